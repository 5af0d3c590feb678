"""A counter of writes that can change a public list page (apps.listings.page_cache).

Every INSERT, UPDATE, DELETE or TRUNCATE of achievements, demands, achievement industries and
organisations (a teaser shows its owner's name) advances the sequence ``listings_public_generation``,
whatever wrote it: the ORM, the importer's raw INSERTs, a queryset ``update()``, the admin or psql.
A cached page is stored with the value it was built under and served only while the value is unchanged.

Two triggers per table: one per statement, at once (reads inside the writing transaction, and tests,
which never commit, see it), and one per row, deferred to the commit: a page built between the
statement and the commit (from the data before it) is stored under a value the commit moves past.
A sequence, not a counter row: nextval takes no lock, so concurrent writers never wait for each other.
"""

from django.db import migrations

TABLES = ("listings_achievement", "listings_demand", "listings_achievement_industries", "organizations_organization")

FORWARD = [
    "CREATE SEQUENCE IF NOT EXISTS listings_public_generation",
    """
    CREATE OR REPLACE FUNCTION listings_public_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM nextval('listings_public_generation');
        RETURN NULL;
    END
    $$
    """,
]
BACKWARD = []
for table in TABLES:
    FORWARD += [
        f"CREATE TRIGGER {table}_generation_now AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION listings_public_generation_bump()",
        f"CREATE CONSTRAINT TRIGGER {table}_generation_commit AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION listings_public_generation_bump()",
    ]
    BACKWARD += [
        f"DROP TRIGGER IF EXISTS {table}_generation_now ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_generation_commit ON {table}",
    ]
BACKWARD += [
    "DROP FUNCTION IF EXISTS listings_public_generation_bump()",
    "DROP SEQUENCE IF EXISTS listings_public_generation",
]


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0006_home_market"),
        ("organizations", "0004_finance_types_and_qualification_tags"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
