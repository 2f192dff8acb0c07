from .actor_counts import ActorSet, PublicActorMonth, PublicActorSetMonth, PublicIncidentActors
from .actors import Actor, ActorAlias
from .casualties import Casualty, SourceReport
from .counts import (
    PublicDataVersion,
    PublicIncidentDay,
    PublicIncidentMonth,
    PublicIncidentYear,
)
from .history import IncidentVersion, RevertProposal
from .imports import ImportRun
from .incidents import EventType, Incident, IncidentActor, SubEventType, Tactic
from .places import AdminArea, Country, Location
from .review import Correction, IncidentNote
from .search import SearchEntry
from .sources import Citation, Source, UncitedIncident

__all__ = [
    "Actor",
    "ActorAlias",
    "ActorSet",
    "AdminArea",
    "Casualty",
    "Citation",
    "Correction",
    "Country",
    "EventType",
    "Incident",
    "IncidentActor",
    "IncidentNote",
    "IncidentVersion",
    "ImportRun",
    "Location",
    "PublicActorMonth",
    "PublicActorSetMonth",
    "PublicDataVersion",
    "PublicIncidentDay",
    "PublicIncidentMonth",
    "PublicIncidentActors",
    "PublicIncidentYear",
    "RevertProposal",
    "SearchEntry",
    "Source",
    "SourceReport",
    "SubEventType",
    "Tactic",
    "UncitedIncident",
]
