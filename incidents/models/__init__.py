from .actors import Actor, ActorAlias
from .casualties import Casualty
from .imports import ImportRun
from .incidents import EventType, Incident, IncidentActor, SubEventType, Tactic
from .places import AdminArea, Country, Location
from .sources import Citation, Source

__all__ = [
    "Actor",
    "ActorAlias",
    "AdminArea",
    "Casualty",
    "Citation",
    "Country",
    "EventType",
    "Incident",
    "IncidentActor",
    "ImportRun",
    "Location",
    "Source",
    "SubEventType",
    "Tactic",
]
