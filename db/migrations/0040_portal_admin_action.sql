-- qdp.portal_admin_username now takes the action it checks, so that a refusal names it
-- (functions/portal/portal_admin_username.sql creates the new signature).
drop function qdp.portal_admin_username();
