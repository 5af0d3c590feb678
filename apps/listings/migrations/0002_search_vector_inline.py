from django.db import migrations

# The search vector is read for every ranked match. Left to the default (EXTENDED) storage, vectors
# of a few hundred bytes went to the TOAST table and each ts_rank paid a second lookup; MAIN keeps
# them compressed in the row unless the row itself would be too large. Existing rows move when the
# table is rewritten (VACUUM FULL); new and updated rows are stored inline at once.
STORAGE = "ALTER TABLE {table} ALTER COLUMN search_vector SET STORAGE {storage}"
# The search picks its plan from how common each word is (apps.listings.selectors._rank_window):
# a larger sample keeps the 10,000 most common words in the statistics instead of 1,000.
STATISTICS = "ALTER TABLE {table} ALTER COLUMN search_vector SET STATISTICS {target}"


def storage(table: str, value: str) -> str:
    return STORAGE.format(table=table, storage=value)


class Migration(migrations.Migration):
    dependencies = [("listings", "0001_initial")]

    operations = [
        # The region foreign key's own varchar_pattern_ops index already serves prefix filters.
        migrations.RemoveIndex(model_name="achievement", name="achievement_region_prefix"),
        migrations.RemoveIndex(model_name="demand", name="demand_region_prefix"),
        migrations.RunSQL(
            sql=[storage("listings_achievement", "MAIN"), storage("listings_demand", "MAIN")],
            reverse_sql=[storage("listings_achievement", "EXTENDED"), storage("listings_demand", "EXTENDED")],
        ),
        migrations.RunSQL(
            sql=[STATISTICS.format(table=t, target=1000) for t in ("listings_achievement", "listings_demand")],
            reverse_sql=[STATISTICS.format(table=t, target=-1) for t in ("listings_achievement", "listings_demand")],
        ),
    ]
