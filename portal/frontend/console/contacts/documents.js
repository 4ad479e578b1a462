// The documents of the contact screens (schema/admin.graphql).
import { ERRORS } from "../api.js";

export const LIST_FIELDS = `id customerNumber salutation firstName lastName companyName email phone1 mobile city postalCode
  portalStatus optInState source isActive createdAt language quickInfo { lastVisitAt }
  tags { name isCentral } groups { name }`;

export const CONTACTS = `query Contacts($filter: ContactFilterInput, $orderBy: ContactOrderInput, $after: String) {
  contacts(filter: $filter, orderBy: $orderBy, first: 25, after: $after) {
    nodes { ${LIST_FIELDS} }
    pageInfo { hasNextPage endCursor } totalCount totalCountIsExact } }`;

export const FILTER_CHOICES = `query ContactFilterChoices { tags { id name isCentral } contactGroups { id name } }`;

export const CREATE_CONTACT = `mutation CreateContact($input: CreateContactInput!) {
  createContact(input: $input) { contact { id } ${ERRORS} } }`;

export const CONTACT_FIELDS = `id uuid customerNumber salutation title firstName lastName companyName street postalCode city
  country email additionalEmails phone1 phone2 mobile fax website dateOfBirth notes language formality directoryVisible
  source registeredAt isActive version createdAt updatedAt portalStatus optInState reachableNow
  newsletterInvitedAt newsletterConfirmedAt newsletterRevokedAt
  reachability { weekday from to }
  quickInfo { registeredAt lastVisitAt historyCount lastRevenue { amount currency } lastRevenueAt totalRevenue { amount currency } }`;

export const CONTACT = `query Contact($id: ID!) { contact(id: $id) { ${CONTACT_FIELDS} } }`;

export const UPDATE_CONTACT = `mutation UpdateContact($input: UpdateContactInput!) {
  updateContact(input: $input) { contact { ${CONTACT_FIELDS} } ${ERRORS} } }`;
