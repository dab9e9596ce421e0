// Role names several runtimes use: the database roles of the access policy (db/migrations), the
// login roles kept for the portal, and the portal users' roles (qdp.users.role).

/** The group roles of the access policy; a login role for the portal must be none of them. */
export const POLICY_ROLES = [
  'qdp_portal',
  'qdp_admin',
  'qdp_staff',
  'qdp_prefecture',
  'qdp_municipality',
  'qdp_gp',
] as const;

/** The group role every portal login role is a member of. */
export const PORTAL_GROUP_ROLE = 'qdp_portal';
/** The portal's login role in AWS (migrate keeps it; QDP_PORTAL_LOGIN_ROLE overrides it). */
export const PORTAL_LOGIN_ROLE = 'qdp_portal_login';

/** What a portal user is (qdp.users.role): decides what the access policy shows them. */
export const USER_ROLES = ['admin', 'staff', 'prefecture', 'municipality', 'gp'] as const;
export type UserRole = (typeof USER_ROLES)[number];
