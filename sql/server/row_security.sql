-- Row-level security, the second wall (moved from the migrations that created each policy,
-- issue 13, unchanged). The desktop and worker logins hold no table privilege now (privileges.sql),
-- so these policies decide nothing today; they stand in case a grant comes back, and every
-- table keeps FORCE ROW LEVEL SECURITY. Escalations are the server's to start and route
-- (issue 15): nobody may write them directly.

DROP POLICY IF EXISTS escalations_write ON escalations;
DROP POLICY IF EXISTS escalations_update ON escalations;

DROP POLICY IF EXISTS blob_chunks_visible ON attachment_blob_chunks;
CREATE POLICY blob_chunks_visible ON attachment_blob_chunks AS PERMISSIVE FOR SELECT TO ticketdesk_desktop
    USING ((EXISTS ( SELECT 1
   FROM attachments a
  WHERE (((a.file_hash)::text = (attachment_blob_chunks.file_hash)::text) AND (NOT a.is_deleted)))));

DROP POLICY IF EXISTS blobs_visible ON attachment_blobs;
CREATE POLICY blobs_visible ON attachment_blobs AS PERMISSIVE FOR SELECT TO ticketdesk_desktop
    USING ((EXISTS ( SELECT 1
   FROM attachments a
  WHERE (((a.file_hash)::text = (attachment_blobs.file_hash)::text) AND (NOT a.is_deleted)))));

DROP POLICY IF EXISTS upload_chunks_own ON attachment_upload_chunks;
CREATE POLICY upload_chunks_own ON attachment_upload_chunks AS PERMISSIVE FOR ALL TO ticketdesk_desktop
    USING ((uploaded_by = ( SELECT current_user_id() AS current_user_id)))
    WITH CHECK ((uploaded_by = ( SELECT current_user_id() AS current_user_id)));

DROP POLICY IF EXISTS attachments_insert ON attachments;
CREATE POLICY attachments_insert ON attachments AS PERMISSIVE FOR INSERT TO ticketdesk_desktop
    WITH CHECK (((uploaded_by = ( SELECT current_user_id() AS current_user_id)) AND ((EXISTS ( SELECT 1
   FROM tickets t
  WHERE (t.id = attachments.ticket_id))) OR (EXISTS ( SELECT 1
   FROM comments c
  WHERE (c.id = attachments.comment_id))))));
DROP POLICY IF EXISTS attachments_select ON attachments;
CREATE POLICY attachments_select ON attachments AS PERMISSIVE FOR SELECT TO ticketdesk_desktop
    USING (((EXISTS ( SELECT 1
   FROM tickets t
  WHERE (t.id = attachments.ticket_id))) OR (EXISTS ( SELECT 1
   FROM comments c
  WHERE (c.id = attachments.comment_id)))));
DROP POLICY IF EXISTS attachments_update ON attachments;
CREATE POLICY attachments_update ON attachments AS PERMISSIVE FOR UPDATE TO ticketdesk_desktop
    USING ((uploaded_by = ( SELECT current_user_id() AS current_user_id)))
    WITH CHECK (((uploaded_by = ( SELECT current_user_id() AS current_user_id)) AND ((EXISTS ( SELECT 1
   FROM tickets t
  WHERE (t.id = attachments.ticket_id))) OR (EXISTS ( SELECT 1
   FROM comments c
  WHERE (c.id = attachments.comment_id))))));

DROP POLICY IF EXISTS comments_insert ON comments;
CREATE POLICY comments_insert ON comments AS PERMISSIVE FOR INSERT TO ticketdesk_desktop
    WITH CHECK (((user_id = ( SELECT current_user_id() AS current_user_id)) AND ((NOT is_internal) OR ( SELECT current_user_is_engineer() AS current_user_is_engineer)) AND (EXISTS ( SELECT 1
   FROM tickets t
  WHERE (t.id = comments.ticket_id)))));
DROP POLICY IF EXISTS comments_select ON comments;
CREATE POLICY comments_select ON comments AS PERMISSIVE FOR SELECT TO ticketdesk_desktop
    USING ((((NOT is_internal) OR ( SELECT current_user_is_engineer() AS current_user_is_engineer)) AND (EXISTS ( SELECT 1
   FROM tickets t
  WHERE (t.id = comments.ticket_id)))));
DROP POLICY IF EXISTS comments_update ON comments;
CREATE POLICY comments_update ON comments AS PERMISSIVE FOR UPDATE TO ticketdesk_desktop
    USING ((user_id = ( SELECT current_user_id() AS current_user_id)))
    WITH CHECK (((user_id = ( SELECT current_user_id() AS current_user_id)) AND ((NOT is_internal) OR ( SELECT current_user_is_engineer() AS current_user_is_engineer)) AND (EXISTS ( SELECT 1
   FROM tickets t
  WHERE (t.id = comments.ticket_id)))));

DROP POLICY IF EXISTS escalations_select ON escalations;
CREATE POLICY escalations_select ON escalations AS PERMISSIVE FOR SELECT TO ticketdesk_desktop
    USING ((EXISTS ( SELECT 1
   FROM tickets t
  WHERE (t.id = escalations.ticket_id))));

DROP POLICY IF EXISTS preferences_own ON notification_preferences;
CREATE POLICY preferences_own ON notification_preferences AS PERMISSIVE FOR ALL TO ticketdesk_desktop
    USING ((user_id = ( SELECT current_user_id() AS current_user_id)))
    WITH CHECK ((user_id = ( SELECT current_user_id() AS current_user_id)));

DROP POLICY IF EXISTS notifications_own ON notifications;
CREATE POLICY notifications_own ON notifications AS PERMISSIVE FOR SELECT TO ticketdesk_desktop
    USING ((user_id = ( SELECT current_user_id() AS current_user_id)));
DROP POLICY IF EXISTS notifications_own_update ON notifications;
CREATE POLICY notifications_own_update ON notifications AS PERMISSIVE FOR UPDATE TO ticketdesk_desktop
    USING (((user_id = ( SELECT current_user_id() AS current_user_id)) AND ((channel)::text = 'IN_APP'::text)))
    WITH CHECK (((user_id = ( SELECT current_user_id() AS current_user_id)) AND ((channel)::text = 'IN_APP'::text)));
DROP POLICY IF EXISTS notifications_worker ON notifications;
CREATE POLICY notifications_worker ON notifications AS PERMISSIVE FOR ALL TO ticketdesk_worker
    USING (((channel)::text <> 'IN_APP'::text))
    WITH CHECK (((channel)::text <> 'IN_APP'::text));

DROP POLICY IF EXISTS sla_policies_signed_in ON sla_policies;
CREATE POLICY sla_policies_signed_in ON sla_policies AS PERMISSIVE FOR SELECT TO ticketdesk_desktop
    USING ((( SELECT current_user_id() AS current_user_id) IS NOT NULL));

DROP POLICY IF EXISTS history_select ON ticket_history;
CREATE POLICY history_select ON ticket_history AS PERMISSIVE FOR SELECT TO ticketdesk_desktop
    USING ((((NOT is_internal) OR ( SELECT current_user_is_engineer() AS current_user_is_engineer)) AND (EXISTS ( SELECT 1
   FROM tickets t
  WHERE (t.id = ticket_history.ticket_id)))));

DROP POLICY IF EXISTS ticket_transitions_read ON ticket_transitions;
CREATE POLICY ticket_transitions_read ON ticket_transitions AS PERMISSIVE FOR SELECT TO ticketdesk_desktop
    USING (true);

DROP POLICY IF EXISTS tickets_insert ON tickets;
CREATE POLICY tickets_insert ON tickets AS PERMISSIVE FOR INSERT TO ticketdesk_desktop
    WITH CHECK ((requestor_id = ( SELECT current_user_id() AS current_user_id)));
DROP POLICY IF EXISTS tickets_select ON tickets;
CREATE POLICY tickets_select ON tickets AS PERMISSIVE FOR SELECT TO ticketdesk_desktop
    USING ((( SELECT current_user_is_engineer() AS current_user_is_engineer) OR (requestor_id = ( SELECT current_user_id() AS current_user_id))));
DROP POLICY IF EXISTS tickets_update ON tickets;
CREATE POLICY tickets_update ON tickets AS PERMISSIVE FOR UPDATE TO ticketdesk_desktop
    USING ((( SELECT current_user_is_engineer() AS current_user_is_engineer) OR (requestor_id = ( SELECT current_user_id() AS current_user_id))))
    WITH CHECK ((( SELECT current_user_is_engineer() AS current_user_is_engineer) OR (requestor_id = ( SELECT current_user_id() AS current_user_id))));
DROP POLICY IF EXISTS tickets_worker ON tickets;
CREATE POLICY tickets_worker ON tickets AS PERMISSIVE FOR SELECT TO ticketdesk_worker
    USING (true);

DROP POLICY IF EXISTS users_visible_when_signed_in ON users;
CREATE POLICY users_visible_when_signed_in ON users AS PERMISSIVE FOR SELECT TO ticketdesk_desktop
    USING ((( SELECT current_user_id() AS current_user_id) IS NOT NULL));
DROP POLICY IF EXISTS users_worker ON users;
CREATE POLICY users_worker ON users AS PERMISSIVE FOR SELECT TO ticketdesk_worker
    USING (true);
