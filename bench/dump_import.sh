#!/bin/bash
# What an import wrote into a PostgreSQL database, as text to diff between two trees (issue 17
# point 5: a faster import must write exactly the same): the incidents and their child rows,
# places, actors, sources, tactics, the public count tables and the actor counts, the search
# entries (documents as text), the indexes, constraints and triggers left, whether the tables
# were analysed, and the public data version (in OUT.version). Timestamps of the run are left
# out; admin areas, whose ids follow pycountry's set order (not the same from one process to
# the next), are named by level, name and ISO code instead, and the actor counts' role sets by
# their roles. Indexes are listed by name (an index made again has a new oid, which a regclass
# sorts by).
#
#   bench/dump_import.sh DATABASE OUT
#   e.g. import the first 100,000 rows of the shared file with each tree into a fresh copy of
#   one migrated database, dump both, diff OUT files.
set -euo pipefail
DB=$1
OUT=$2
q() { psql -h 127.0.0.1 -U postgres -d "$DB" -AtXq -c "$1"; }
# An admin area as text, by id.
AREA="(SELECT concat(a.level, ':', a.name, ':', a.iso_code) FROM incidents_adminarea a WHERE a.id ="
{
    echo "== incidents_incident"
    q "SELECT (to_jsonb(t) - 'created_at' - 'updated_at' - 'imported_at' - 'published_at')::text
       FROM incidents_incident t ORDER BY id"
    for table in incidents_casualty incidents_sourcereport incidents_incidentactor \
        incidents_citation incidents_incident_tactics incidents_actor incidents_source \
        incidents_tactic; do
        echo "== $table"
        q "SELECT (to_jsonb(t) - 'created_at' - 'updated_at')::text FROM $table t ORDER BY id"
    done
    echo "== incidents_location"
    q "SELECT (to_jsonb(t) - 'admin1_id' - 'admin2_id' - 'admin3_id')::text, $AREA t.admin1_id),
       $AREA t.admin2_id), $AREA t.admin3_id) FROM incidents_location t ORDER BY id"
    echo "== incidents_adminarea"
    q "SELECT (to_jsonb(t) - 'id' - 'parent_id')::text, $AREA t.parent_id)
       FROM incidents_adminarea t ORDER BY 1, 2"
    for table in incidents_publicincidentday incidents_publicincidentmonth \
        incidents_publicincidentyear; do
        echo "== $table"
        q "SELECT (to_jsonb(t) - 'id' - 'admin1_id')::text, $AREA t.admin1_id) FROM $table t
           ORDER BY 1, 2"
    done
    # The actor counts, their role sets named by their roles: the sets' ids follow the order
    # in which they were first counted, which is not the answer.
    echo "== incidents_actorset"
    q "SELECT roles::text FROM incidents_actorset ORDER BY 1"
    SET="(SELECT s.roles::text FROM incidents_actorset s WHERE s.id ="
    echo "== incidents_publicincidentactors"
    q "SELECT (to_jsonb(t) - 'actor_set_id' - 'admin1_id')::text, $SET t.actor_set_id),
       $AREA t.admin1_id) FROM incidents_publicincidentactors t ORDER BY incident_id"
    echo "== incidents_publicactorsetmonth"
    q "SELECT (to_jsonb(t) - 'id' - 'actor_set_id')::text, $SET t.actor_set_id)
       FROM incidents_publicactorsetmonth t ORDER BY 1, 2"
    echo "== incidents_publicactormonth"
    q "SELECT (to_jsonb(t) - 'id')::text FROM incidents_publicactormonth t ORDER BY 1"
    echo "== incidents_searchentry"
    q "SELECT incident_id, status, start_date, event_type_id, location_id, actor_ids,
       document::text FROM incidents_searchentry ORDER BY incident_id"
    echo "== indexes"
    q "SELECT indexrelid::regclass, pg_get_indexdef(indexrelid) FROM pg_index
       WHERE indrelid::regclass::text LIKE 'incidents_%' ORDER BY indexrelid::regclass::text"
    echo "== constraints"
    q "SELECT conrelid::regclass, conname, pg_get_constraintdef(oid), condeferrable,
       condeferred, convalidated FROM pg_constraint
       WHERE conrelid::regclass::text LIKE 'incidents_%' ORDER BY 1, 2"
    echo "== triggers"
    q "SELECT tgrelid::regclass, tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal
       ORDER BY 1, 2"
    echo "== analysed"
    q "SELECT relname, last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL
       FROM pg_stat_user_tables WHERE relname LIKE 'incidents_%' ORDER BY 1"
} >"$OUT"
q "SELECT number FROM incidents_publicdataversion" >"$OUT.version"
wc -l "$OUT"
