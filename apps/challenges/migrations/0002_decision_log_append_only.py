"""The decision log is append-only, enforced by PostgreSQL rather than by convention.

UPDATE and DELETE on challenges_challengedecision raise, with one exception: the ``SET NULL`` Django
issues on ``actor_id`` when a user is deleted (every other column unchanged). TRUNCATE (test database
flushes) is a statement, not a row operation, and is not affected.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION challenges_decision_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.actor_id IS NULL
       AND OLD.actor_id IS NOT NULL
       AND NEW.id = OLD.id
       AND NEW.challenge_id = OLD.challenge_id
       AND NEW.kind = OLD.kind
       AND NEW.data = OLD.data
       AND NEW.created_at = OLD.created_at THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'challenge decisions are append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER challenges_decision_append_only
    BEFORE UPDATE OR DELETE ON challenges_challengedecision
    FOR EACH ROW EXECUTE FUNCTION challenges_decision_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS challenges_decision_append_only ON challenges_challengedecision;
DROP FUNCTION IF EXISTS challenges_decision_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("challenges", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
