// Sign-in to the daap dashboard (served by daap as /dashboard/signin.js; see src/web/signin.rs).
//
// Authorization code + PKCE against the identity provider, with the docs UI's app registration
// (a single-page app: no client secret). The access token lives in this script's memory only:
// never in storage or a cookie, so a reload signs in again (silently while the identity
// provider's own session lasts). Only the PKCE verifier, the state and the page asked for
// cross the redirect, in sessionStorage, and are removed on return. Once signed in, links and
// forms under /dashboard are followed by fetching the page with the token and showing it here.
"use strict";
(() => {
  const settings = document.getElementById("sign-in").dataset;
  const redirectUri = `${location.origin}/dashboard/signin`;
  const KEY = "daap-dashboard-sign-in";
  let token = null;

  const base64url = (bytes) =>
    btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const random = (n) => base64url(crypto.getRandomValues(new Uint8Array(n)));

  async function signIn(target) {
    const verifier = random(32);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    const state = random(16);
    sessionStorage.setItem(KEY, JSON.stringify({ verifier, state, target }));
    const query = new URLSearchParams({
      client_id: settings.clientId,
      response_type: "code",
      redirect_uri: redirectUri,
      scope: settings.scopes,
      code_challenge: base64url(new Uint8Array(digest)),
      code_challenge_method: "S256",
      state,
    });
    location.assign(`${settings.authority}/authorize?${query}`);
  }

  async function redeem(params) {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    sessionStorage.removeItem(KEY);
    if (!saved || params.get("state") !== saved.state || !params.get("code")) {
      throw new Error(params.get("error_description") || "the sign-in answer does not match");
    }
    const response = await fetch(`${settings.authority}/token`, {
      method: "POST",
      body: new URLSearchParams({
        client_id: settings.clientId,
        grant_type: "authorization_code",
        code: params.get("code"),
        redirect_uri: redirectUri,
        code_verifier: saved.verifier,
      }),
    });
    const answer = await response.json();
    if (!response.ok || !answer.access_token) {
      throw new Error(answer.error_description || `the token endpoint answered ${response.status}`);
    }
    token = answer.access_token;
    return saved.target && saved.target.startsWith("/dashboard") ? saved.target : "/dashboard";
  }

  // Shows the page at `path` (fetched with the token) in place of this one.
  async function show(path, how) {
    const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
    if (response.status === 401) {
      token = null;
      return signIn(path);
    }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    document.title = page.title;
    document.body.replaceWith(document.adoptNode(page.body));
    history[how === "push" ? "pushState" : "replaceState"](null, "", path);
    const heading = document.querySelector("h1");
    if (how === "push" && heading) {
      heading.tabIndex = -1; // where a screen reader's user expects to be on a new page
      heading.focus();
    }
  }

  function failed(error) {
    const status = document.getElementById("sign-in");
    if (status) status.textContent = `Sign-in failed: ${error.message}`;
  }

  const ours = (url) => url.origin === location.origin && url.pathname.startsWith("/dashboard");
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!token || !link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const url = new URL(link.href);
    if (!ours(url) || url.pathname === location.pathname && url.hash) return;
    event.preventDefault();
    show(url.pathname + url.search, "push").catch(failed);
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const url = new URL(form.action);
    if (!token || form.method !== "get" || !ours(url)) return;
    event.preventDefault();
    url.search = new URLSearchParams(new FormData(form)).toString();
    show(url.pathname + url.search, "push").catch(failed);
  });
  window.addEventListener("popstate", () => {
    if (token) show(location.pathname + location.search, "replace").catch(failed);
  });

  const here = new URL(location.href);
  if (here.pathname === "/dashboard/signin") {
    redeem(here.searchParams).then((target) => show(target, "replace")).catch(failed);
  } else {
    signIn(here.pathname + here.search).catch(failed);
  }
})();
