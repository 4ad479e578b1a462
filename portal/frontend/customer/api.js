// The customer API and every document the customer pages send. Nothing else talks to the
// server; the documents use only the public schema (schema/portal.graphql).

import { createClient } from "../shared/graphql.js";

export const api = createClient("/graphql");

const ERRORS = "errors { code field message }";

export const PORTAL_INFO = `query PortalInfo { portalInfo { name defaultLanguage secondIdentifiers } }`;

export const SIGNED_IN = `query SignedIn { viewer { email language contact { formality language } } }`;

export const ACCOUNT = `query Account {
  viewer {
    email registrationStatus lastLoginAt language permissions
    impersonation { staffName reason mode startedAt expiresAt }
    resources { permissions resource { kind name alias url } }
    contact {
      customerNumber salutation title firstName lastName companyName street postalCode city
      country email phone1 phone2 mobile language formality newsletterConfirmed groups tags
      reachability { weekday from to }
      quickInfo { registeredAt lastVisitAt historyCount totalRevenue { amount currency } }
      history(first: 50) { occurredAt source description revenue { amount currency } }
    }
  }
}`;

export const REGISTER = `mutation Register($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { accepted ${ERRORS} } }`;

export const RESEND_ACTIVATION = `mutation ResendActivation($email: String!) {
  resendActivation(email: $email) { accepted ${ERRORS} } }`;

export const ACTIVATE = `mutation Activate($token: String!) {
  activateAccount(token: $token) { outcome flowToken attemptsLeft ${ERRORS} } }`;

export const SECOND_IDENTIFIER = `mutation SecondIdentifier($flowToken: String!, $input: SecondIdentifierInput!) {
  provideSecondIdentifier(flowToken: $flowToken, input: $input) { outcome flowToken attemptsLeft ${ERRORS} } }`;

export const LOG_IN = `mutation LogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) { flowToken viewer { email } ${ERRORS} } }`;

export const LOG_OUT = `mutation LogOut { logOut { ok ${ERRORS} } }`;

export const LOG_OUT_EVERYWHERE = `mutation LogOutEverywhere { logOutEverywhere { ok ${ERRORS} } }`;

export const REQUEST_PASSWORD_RESET = `mutation RequestPasswordReset($email: String!) {
  requestPasswordReset(email: $email) { accepted ${ERRORS} } }`;

export const RESET_PASSWORD = `mutation ResetPassword($token: String!, $newPassword: String!) {
  resetPassword(token: $token, newPassword: $newPassword) { ok ${ERRORS} } }`;

export const CHANGE_PASSWORD = `mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
  changePassword(currentPassword: $currentPassword, newPassword: $newPassword) { ok ${ERRORS} } }`;

export const REQUEST_EMAIL_CHANGE = `mutation RequestEmailChange($newEmail: String!, $password: String!) {
  requestEmailChange(newEmail: $newEmail, password: $password) { viewer { registrationStatus } ${ERRORS} } }`;

export const CONFIRM_EMAIL_CHANGE = `mutation ConfirmEmailChange($token: String!) {
  confirmEmailChange(token: $token) { email ${ERRORS} } }`;

export const DELETE_ACCOUNT = `mutation DeleteMyAccount($password: String!) {
  deleteMyAccount(password: $password) { deleted ${ERRORS} } }`;

export const UPDATE_PROFILE = `mutation UpdateMyProfile($input: UpdateMyProfileInput!) {
  updateMyProfile(input: $input) { contact { language formality } ${ERRORS} } }`;

export const ACCEPT_INVITATION = `mutation AcceptInvitation($token: String!, $password: String!) {
  acceptInvitation(token: $token, password: $password) { viewer { email } ${ERRORS} } }`;

export const REQUEST_NEW_INVITATION = `mutation RequestNewInvitation($email: String!) {
  requestNewInvitation(email: $email) { accepted ${ERRORS} } }`;

export const START_SUPPORT_SESSION = `mutation StartSupportSession($token: String!) {
  startImpersonatedSession(token: $token) { viewer { email } ${ERRORS} } }`;

export const END_SUPPORT_SESSION = `mutation EndSupportSession { endImpersonation { ok ${ERRORS} } }`;

export const CONFIRM_NEWSLETTER = `mutation ConfirmNewsletter($token: String!) {
  confirmNewsletterSubscription(token: $token) { confirmed ${ERRORS} } }`;

export const SUBSCRIBE_NEWSLETTER = `mutation SubscribeNewsletter {
  subscribeToNewsletter { contact { newsletterConfirmed } ${ERRORS} } }`;

export const UNSUBSCRIBE_NEWSLETTER = `mutation UnsubscribeNewsletter {
  unsubscribeFromNewsletter { contact { newsletterConfirmed } ${ERRORS} } }`;

export const EXPORT_MY_DATA = `query ExportMyData { exportMyData }`;
