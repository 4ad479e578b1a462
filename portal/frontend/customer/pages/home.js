// "/": the account when signed in, the login page otherwise.
import { api, SIGNED_IN } from "../api.js";

const { data } = await api.request(SIGNED_IN);
window.location.replace(data && data.viewer ? "/account" : "/login");
