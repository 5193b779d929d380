-- Every control plane hears of every appended event at once: followers of an interaction's stream on any plane are
-- woken by the notification (delivered when the appending transaction commits; identical ones in one transaction
-- are folded into one), not by polling.
CREATE FUNCTION wharf_interaction_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('wharf_interaction_events', NEW.interaction_id);
    RETURN NULL;
END $$;

CREATE TRIGGER interaction_event_notify AFTER INSERT ON interaction_event
    FOR EACH ROW EXECUTE FUNCTION wharf_interaction_event_notify();
