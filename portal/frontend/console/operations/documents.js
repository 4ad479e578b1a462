// The documents of the console's operational screens (portal users, support sessions, imports
// and exports, duplicates, staff, settings); public schema only (schema/admin.graphql).
import { ERRORS } from "../api.js";

const CONTACT_BRIEF = "id customerNumber salutation firstName lastName companyName email postalCode city isActive";

export const PORTAL_USER_FIELDS = `id email firstName lastName registrationStatus mappingStatus pendingReason language
  existingCustomer createdAt activatedAt assignedAt lastLoginAt suspendedAt contact { ${CONTACT_BRIEF} }`;

export const PORTAL_USERS = `query PortalUsers($filter: PortalUserFilterInput, $after: String) {
  portalUsers(filter: $filter, first: 25, after: $after) {
    nodes { ${PORTAL_USER_FIELDS} } pageInfo { hasNextPage endCursor } totalCount totalCountIsExact } }`;

export const PORTAL_USER = `query PortalUser($id: ID!) {
  portalUser(id: $id) { ${PORTAL_USER_FIELDS} }
  matchingCandidates(portalUserId: $id) { ${CONTACT_BRIEF} } }`;

const USER_PAYLOAD = `portalUser { ${PORTAL_USER_FIELDS} } ${ERRORS}`;

export const ASSIGN_PORTAL_USER = `mutation AssignPortalUser($portalUserId: ID!, $contactId: ID!) {
  assignPortalUser(portalUserId: $portalUserId, contactId: $contactId) { ${USER_PAYLOAD} } }`;

export const CREATE_CONTACT_FOR_PORTAL_USER = `mutation CreateContactForPortalUser($portalUserId: ID!, $input: CreateContactInput!) {
  createContactForPortalUser(portalUserId: $portalUserId, input: $input) { contact { id } ${USER_PAYLOAD} } }`;

export const RESEND_ACTIVATION_EMAIL = `mutation ResendActivationEmail($portalUserId: ID!) {
  resendActivationEmail(portalUserId: $portalUserId) { ${USER_PAYLOAD} } }`;

export const ACTIVATE_PORTAL_USER = `mutation ActivatePortalUserManually($portalUserId: ID!) {
  activatePortalUserManually(portalUserId: $portalUserId) { ${USER_PAYLOAD} } }`;

const EXPORT_RESULT = `downloadUrl expiresAt emailedTo ${ERRORS}`;

export const EXPORT_PORTAL_USERS = `mutation ExportPortalUsers($options: CsvOptionsInput, $delivery: ExportDelivery!, $columns: [PortalUserColumn!]) {
  exportPortalUsers(options: $options, delivery: $delivery, columns: $columns) { ${EXPORT_RESULT} } }`;

export const EXPORT_CONTACTS = `mutation ExportContacts($filter: ContactFilterInput, $options: CsvOptionsInput, $delivery: ExportDelivery!) {
  exportContacts(filter: $filter, options: $options, delivery: $delivery) { ${EXPORT_RESULT} } }`;

const SESSION_FIELDS = "id staffName portalUserId contactId reason ticketReference mode state createdAt startedAt expiresAt endedAt";

export const START_IMPERSONATION = `mutation StartImpersonation($portalUserId: ID!, $reason: String!, $ticketReference: String!, $mode: ImpersonationMode!) {
  startImpersonation(portalUserId: $portalUserId, reason: $reason, ticketReference: $ticketReference, mode: $mode) {
    loginUrl impersonation { ${SESSION_FIELDS} } ${ERRORS} } }`;

export const START_IMPERSONATION_FOR_CONTACT = `mutation StartImpersonationForContact($contactId: ID!, $reason: String!, $ticketReference: String!, $mode: ImpersonationMode!) {
  startImpersonationForContact(contactId: $contactId, reason: $reason, ticketReference: $ticketReference, mode: $mode) {
    loginUrl impersonation { ${SESSION_FIELDS} } ${ERRORS} } }`;

export const IMPERSONATION_SESSIONS = `query ImpersonationSessions($state: ImpersonationState, $after: String) {
  impersonationSessions(state: $state, first: 25, after: $after) {
    nodes { ${SESSION_FIELDS} } pageInfo { hasNextPage endCursor } totalCount totalCountIsExact } }`;

export const REVOKE_IMPERSONATION = `mutation RevokeImpersonation($id: ID!) {
  revokeImpersonation(id: $id) { impersonation { ${SESSION_FIELDS} } ${ERRORS} } }`;

export const IMPORT_CONTACTS = `mutation ImportContacts($file: Upload!, $options: ImportOptionsInput) {
  importContacts(file: $file, options: $options) {
    rows accepted created updated unchanged failed applied resultsOmitted ignoredColumns
    columns { position header column use }
    problems { row column code message }
    results { row contactId outcome matchedBy changedFields } } }`;

export const INVITE_FROM_CSV = `mutation InviteContactsFromCsv($file: Upload!, $dryRun: Boolean!) {
  inviteContactsFromCsv(file: $file, dryRun: $dryRun) {
    invited preRegistered alreadyActive rows { row key result message } ${ERRORS} } }`;

export const DEACTIVATE_WITHOUT_OPT_IN = `mutation DeactivateContactsWithoutOptIn($dryRun: Boolean!) {
  deactivateContactsWithoutOptIn(dryRun: $dryRun) { count dryRun ${ERRORS} } }`;

export const DUPLICATE_FIELDS = `id version customerNumber salutation title firstName lastName companyName email street postalCode
  city country phone1 mobile dateOfBirth createdAt`;

export const DUPLICATES = `query DuplicateCandidates($after: String) {
  duplicateCandidates(first: 10, after: $after) {
    nodes { score reasons first { ${DUPLICATE_FIELDS} } second { ${DUPLICATE_FIELDS} } }
    pageInfo { hasNextPage endCursor } } }`;

export const UPDATE_CONTACT_VALUES = `mutation UpdateContactValues($input: UpdateContactInput!) {
  updateContact(input: $input) { contact { id version } ${ERRORS} } }`;

export const MERGE_CONTACTS = `mutation MergeContacts($targetId: ID!, $sourceIds: [ID!]!, $mergeLogins: Boolean!) {
  mergeContacts(targetId: $targetId, sourceIds: $sourceIds, mergeLogins: $mergeLogins) { contact { id } filledFields ${ERRORS} } }`;

export const DISMISS_DUPLICATE = `mutation DismissDuplicate($firstId: ID!, $secondId: ID!) {
  dismissDuplicate(firstId: $firstId, secondId: $secondId) { ok ${ERRORS} } }`;

const STAFF_FIELDS = "id email displayName role state language formality lastLoginAt deactivatedAt createdAt secondFactor { enabled }";

export const STAFF_USERS = `query StaffUsers($role: StaffRole, $state: StaffState, $after: String) {
  staffUsers(role: $role, state: $state, first: 25, after: $after) {
    nodes { ${STAFF_FIELDS} } pageInfo { hasNextPage endCursor } totalCount totalCountIsExact } }`;

const STAFF_PAYLOAD = `staffUser { ${STAFF_FIELDS} } ${ERRORS}`;

export const INVITE_STAFF = `mutation InviteStaffUser($input: InviteStaffUserInput!) { inviteStaffUser(input: $input) { ${STAFF_PAYLOAD} } }`;
export const RESEND_STAFF_INVITATION = `mutation ResendStaffInvitation($id: ID!) { resendStaffInvitation(id: $id) { ${STAFF_PAYLOAD} } }`;
export const CHANGE_STAFF_ROLE = `mutation ChangeStaffUserRole($id: ID!, $role: StaffRole!) { changeStaffUserRole(id: $id, role: $role) { ${STAFF_PAYLOAD} } }`;
export const DEACTIVATE_STAFF = `mutation DeactivateStaffUser($id: ID!) { deactivateStaffUser(id: $id) { ${STAFF_PAYLOAD} } }`;
export const REACTIVATE_STAFF = `mutation ReactivateStaffUser($id: ID!) { reactivateStaffUser(id: $id) { ${STAFF_PAYLOAD} } }`;
export const DELETE_STAFF = `mutation DeleteStaffUser($id: ID!) { deleteStaffUser(id: $id) { deletedStaffUserId ${ERRORS} } }`;
export const RESET_SECOND_FACTOR = `mutation ResetStaffSecondFactor($id: ID!) { resetStaffSecondFactor(id: $id) { ${STAFF_PAYLOAD} } }`;

const SETTINGS_FIELDS = `registrationPolicy secondIdentifiers activationTokenHours passwordResetMinutes emailChangeHours
  matchingFlowMinutes maxSecondIdentifierAttempts pendingReviewNotify invitationDays invitationRequestPolicy`;

export const PORTAL_SETTINGS = `query PortalSettings { portalSettings { ${SETTINGS_FIELDS} } }`;

export const UPDATE_PORTAL_SETTINGS = `mutation UpdatePortalSettings($input: UpdatePortalSettingsInput!) {
  updatePortalSettings(input: $input) { portalSettings { ${SETTINGS_FIELDS} } ${ERRORS} } }`;

export const TEMPLATE_OVERRIDE = `query EmailTemplateOverride($language: String!, $template: EmailTemplate!) {
  emailTemplateOverride(language: $language, template: $template) { template language subject body } }`;

export const UPDATE_TEMPLATE_OVERRIDE = `mutation UpdateEmailTemplateOverride($input: EmailTemplateOverrideInput!) {
  updateEmailTemplateOverride(input: $input) { override { template language subject body } ${ERRORS} } }`;

export const RESET_TEMPLATE_OVERRIDE = `mutation ResetEmailTemplateOverride($language: String!, $template: EmailTemplate!) {
  resetEmailTemplateOverride(language: $language, template: $template) { override { template language subject body } ${ERRORS} } }`;

export const PREVIEW_INVITATION = `query PreviewInvitationEmail($contactId: ID!, $language: String) {
  previewInvitationEmail(contactId: $contactId, language: $language) { subject text toAddress } }`;

export const FIND_CONTACT = `query FindContact($number: String!) { contactByCustomerNumber(customerNumber: $number) { id } }`;
