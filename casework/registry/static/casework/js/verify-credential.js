/*
 * Checks a Casework credential in the browser, by itself: the same steps as the server
 * (casework/registry/credentials/verification.py), with the same problem codes, using only
 * WebCrypto (Ed25519), DecompressionStream ("gzip"), the site's DID document
 * (/.well-known/did.json) and the status lists the credential names.
 * The page works without this script; with it, the browser's answer appears next to the
 * server's, and the page says whether they agree.
 */
(() => {
  "use strict";

  const VC_CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2";
  const ACCEPTED_TYP = ["vc+jwt", "application/vc+jwt"];
  const ACCEPTED_METHOD_TYPES = ["JsonWebKey", "JsonWebKey2020"];
  const MIN_STATUS_LIST_BITS = 131072;
  const MAX_EXPANDED_BYTES = 16 * 1024 * 1024;
  const DIGITS = /^(0|[1-9][0-9]*)$/;
  const DATE_TIME_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

  class Refused extends Error {
    constructor(code) {
      super(code);
      this.code = code;
    }
  }

  class Unsupported extends Error {}

  const readJson = (id) => {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  };

  const b64urlDecode = (part) => {
    if (typeof part !== "string" || !/^[A-Za-z0-9_-]*$/.test(part) || part.length % 4 === 1) {
      throw new Refused("malformed");
    }
    const base64 = part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4);
    const binary = atob(base64);
    return Uint8Array.from(binary, (character) => character.charCodeAt(0));
  };

  const jsonObject = (part) => {
    let value;
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(b64urlDecode(part)));
    } catch (error) {
      throw new Refused("malformed");
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Refused("malformed");
    }
    return value;
  };

  const parseCompact = (token) => {
    const parts = token.trim().split(".");
    // An empty signature (an unsecured JWS, "alg": "none") is refused by its algorithm.
    if (parts.length !== 3 || parts[0] === "" || parts[1] === "") {
      throw new Refused("malformed");
    }
    return {
      header: jsonObject(parts[0]),
      payload: jsonObject(parts[1]),
      signingInput: new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
      signature: b64urlDecode(parts[2]),
    };
  };

  const parseDateTime = (value) => {
    if (typeof value !== "string" || !DATE_TIME_STAMP.test(value)) {
      throw new Error("not a dateTimeStamp");
    }
    const moment = Date.parse(value);
    if (Number.isNaN(moment)) {
      throw new Error("not a dateTimeStamp");
    }
    return moment;
  };

  const issuerId = (payload) => {
    let issuer = payload.issuer;
    if (issuer !== null && typeof issuer === "object" && !Array.isArray(issuer)) {
      issuer = issuer.id;
    }
    return typeof issuer === "string" ? issuer : null;
  };

  const absolute = (reference, didId) => (reference.startsWith("#") ? didId + reference : reference);

  const assertionJwk = (didDocument, kid) => {
    const didId = didDocument.id;
    if (typeof kid !== "string" || typeof didId !== "string") {
      throw new Refused("unknown_kid");
    }
    const wanted = absolute(kid, didId);
    if (!wanted.startsWith(`${didId}#`)) {
      throw new Refused("unknown_kid");
    }
    const methods = (Array.isArray(didDocument.verificationMethod) ? didDocument.verificationMethod : [])
      .filter((method) => method !== null && typeof method === "object");
    const assertion = new Set();
    for (let reference of Array.isArray(didDocument.assertionMethod) ? didDocument.assertionMethod : []) {
      if (reference !== null && typeof reference === "object") {
        methods.push(reference);
        reference = reference.id;
      }
      if (typeof reference === "string") {
        assertion.add(absolute(reference, didId));
      }
    }
    for (const method of methods) {
      if (typeof method.id !== "string" || absolute(method.id, didId) !== wanted) {
        continue;
      }
      const jwk = method.publicKeyJwk;
      const usable = jwk !== null && typeof jwk === "object" && jwk.kty === "OKP" &&
        jwk.crv === "Ed25519" && !("d" in jwk) && typeof jwk.x === "string";
      if (usable && assertion.has(wanted) && ACCEPTED_METHOD_TYPES.includes(method.type)) {
        try {
          if (b64urlDecode(jwk.x).length === 32) {
            return jwk;
          }
        } catch (error) {
          // falls through to "unknown_kid"
        }
      }
    }
    throw new Refused("unknown_kid");
  };

  const signatureMatches = async (parsed, jwk) => {
    let key;
    try {
      key = await crypto.subtle.importKey(
        "jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"],
      );
    } catch (error) {
      if (error && error.name === "NotSupportedError") {
        throw new Unsupported();
      }
      throw new Refused("unknown_kid");
    }
    return crypto.subtle.verify({ name: "Ed25519" }, key, parsed.signature, parsed.signingInput);
  };

  const verifiedJwt = async (token, didDocument, requiredType) => {
    const parsed = parseCompact(token);
    const { header, payload } = parsed;
    if (header.alg !== "EdDSA") {
      throw new Refused("wrong_alg");
    }
    if ("crit" in header) {
      throw new Refused("malformed");
    }
    const context = payload["@context"];
    const types = payload.type;
    const issuer = issuerId(payload);
    if (
      !ACCEPTED_TYP.includes(header.typ) ||
      !Array.isArray(context) || context.length === 0 || context[0] !== VC_CONTEXT_V2 ||
      !Array.isArray(types) || !types.includes("VerifiableCredential") ||
      !types.includes(requiredType) ||
      "vc" in payload || "vp" in payload ||
      issuer === null ||
      ("iss" in payload && payload.iss !== issuer)
    ) {
      throw new Refused("not_a_credential");
    }
    if (issuer !== didDocument.id) {
      throw new Refused("unknown_issuer");
    }
    const jwk = assertionJwk(didDocument, header.kid);
    if (!(await signatureMatches(parsed, jwk))) {
      throw new Refused("bad_signature");
    }
    return parsed;
  };

  const periodProblems = (payload, now) => {
    const problems = [];
    if ("validFrom" in payload && now < parseDateTime(payload.validFrom)) {
      problems.push("not_yet_valid");
    }
    if ("validUntil" in payload && now > parseDateTime(payload.validUntil)) {
      problems.push("expired");
    }
    return problems;
  };

  const gunzip = async (bytes) => {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  };

  const decodeEncodedList = async (encoded) => {
    if (typeof encoded !== "string" || !encoded.startsWith("u")) {
      throw new Error("not multibase base64url");
    }
    const bits = await gunzip(b64urlDecode(encoded.slice(1)));
    if (bits.length > MAX_EXPANDED_BYTES) {
      throw new Error("too large");
    }
    return bits;
  };

  const fetchStatusList = async (url) => {
    try {
      // "no-cache": revalidate (a cheap 304 with the ETag) rather than trust a copy up to five
      // minutes old, so that this check sees what the server's check sees.
      const response = await fetch(url, {
        cache: "no-cache", credentials: "omit", headers: { Accept: "application/vc+jwt" },
      });
      return response.ok ? (await response.text()).trim() : null;
    } catch (error) {
      return null;
    }
  };

  const entryStatus = async (entry, didDocument, now, cache) => {
    const purpose = entry.statusPurpose;
    const indexText = entry.statusListIndex;
    const url = entry.statusListCredential;
    const size = "statusSize" in entry ? entry.statusSize : 1;
    if (typeof purpose !== "string" || typeof url !== "string" || typeof indexText !== "string" ||
        !DIGITS.test(indexText) || size !== 1) {
      throw new Refused("status_invalid");
    }
    if (!cache.has(url)) {
      cache.set(url, fetchStatusList(url));
    }
    const token = await cache.get(url);
    if (!token) {
      throw new Refused("status_unreachable");
    }
    let bits;
    try {
      const listed = (await verifiedJwt(token, didDocument, "BitstringStatusListCredential")).payload;
      const subject = listed.credentialSubject;
      if (subject === null || typeof subject !== "object" || subject.type !== "BitstringStatusList") {
        throw new Refused("status_invalid");
      }
      const purposes = typeof subject.statusPurpose === "string" ? [subject.statusPurpose] : subject.statusPurpose;
      if (!Array.isArray(purposes) || !purposes.includes(purpose)) {
        throw new Refused("status_invalid");
      }
      if ("id" in listed && listed.id !== url) {
        throw new Refused("status_invalid");
      }
      if (periodProblems(listed, now).length) {
        throw new Refused("status_invalid");
      }
      bits = await decodeEncodedList(subject.encodedList);
    } catch (error) {
      if (error instanceof Unsupported) {
        throw error;
      }
      throw new Refused("status_invalid");
    }
    const index = Number(indexText);
    if (bits.length * 8 < MIN_STATUS_LIST_BITS || index >= bits.length * 8) {
      throw new Refused("status_invalid");
    }
    return (bits[Math.floor(index / 8)] & (0x80 >> (index % 8))) !== 0;
  };

  const ORDER = [
    "malformed", "wrong_alg", "not_a_credential", "unknown_issuer", "unknown_kid",
    "bad_signature", "not_yet_valid", "expired", "revoked", "suspended",
    "status_unreachable", "status_invalid",
  ];

  /**
   * The problem codes for a token, in the server's order ([] when it is valid), and its
   * payload once its signature is known to be ours (null before that).
   */
  const verifyCredential = async (token, didDocument) => {
    const codes = new Set();
    const now = Date.now();
    let parsed;
    try {
      parsed = await verifiedJwt(token, didDocument, "SocialWorkRegistrationCredential");
    } catch (error) {
      if (error instanceof Refused) {
        return { codes: [error.code], payload: null };
      }
      throw error;
    }
    try {
      periodProblems(parsed.payload, now).forEach((code) => codes.add(code));
    } catch (error) {
      codes.add("not_a_credential");
    }
    let entries = parsed.payload.credentialStatus ?? [];
    entries = entries !== null && typeof entries === "object" && !Array.isArray(entries) ? [entries] : entries;
    const cache = new Map();
    for (const entry of Array.isArray(entries) ? entries : []) {
      if (entry === null || typeof entry !== "object" || entry.type !== "BitstringStatusListEntry") {
        continue;
      }
      try {
        const isSet = await entryStatus(entry, didDocument, now, cache);
        if (isSet && entry.statusPurpose === "revocation") {
          codes.add("revoked");
        } else if (isSet && entry.statusPurpose === "suspension") {
          codes.add("suspended");
        }
      } catch (error) {
        if (!(error instanceof Refused)) {
          throw error;
        }
        codes.add(error.code);
      }
    }
    return { codes: ORDER.filter((code) => codes.has(code)), payload: parsed.payload };
  };

  /** "Whose credential: …" from a checked payload: the name on the register, the regulator,
   * the place and the number, filled into the page's translated sentence as plain text. */
  const holderText = (payload, template) => {
    const subject = payload && typeof payload.credentialSubject === "object" && payload.credentialSubject
      ? payload.credentialSubject : {};
    const regulator = subject.regulator && typeof subject.regulator === "object" ? subject.regulator : {};
    const text = (value) => (typeof value === "string" ? value : "");
    const values = {
      name: text(subject.name),
      regulator: text(regulator.name),
      place: text(subject.jurisdiction),
      number: text(subject.registrationNumber),
    };
    return template.replace(/\{(name|regulator|place|number)\}/g, (_match, key) => values[key]);
  };

  const element = (name, text, className) => {
    const node = document.createElement(name);
    if (text) {
      node.textContent = text;
    }
    if (className) {
      node.className = className;
    }
    return node;
  };

  const start = () => {
    const form = document.getElementById("credential-form");
    const section = document.getElementById("browser-result");
    const body = document.getElementById("browser-result-body");
    const button = document.getElementById("check-in-browser");
    const messages = readJson("credential-problem-messages") || {};
    const texts = readJson("credential-browser-texts") || {};
    const serverCodes = readJson("credential-server-codes");
    if (!form || !section || !body || !button) {
      return;
    }
    const textarea = form.querySelector("textarea");
    const submitted = textarea ? textarea.value.trim() : "";
    const supported = Boolean(window.crypto && crypto.subtle && window.DecompressionStream);

    const show = (nodes) => {
      section.hidden = false;
      body.replaceChildren(...nodes);
    };

    const check = async () => {
      const token = textarea ? textarea.value.trim() : "";
      if (!token) {
        show([element("p", texts.empty)]);
        return;
      }
      if (!supported) {
        show([element("p", texts.unsupported)]);
        return;
      }
      show([element("p", texts.checking)]);
      let codes;
      let payload = null;
      try {
        const response = await fetch(section.dataset.didDocumentUrl, { cache: "no-cache", credentials: "omit" });
        const didDocument = response.ok ? await response.json() : {};
        ({ codes, payload } = await verifyCredential(token, didDocument));
      } catch (error) {
        if (error instanceof Unsupported) {
          show([element("p", texts.unsupported)]);
          return;
        }
        codes = ["unknown_issuer"];  // the DID document could not be read
      }
      const nodes = [];
      if (codes.length === 0) {
        const verdict = element("p", "", "message message--success");
        verdict.append(element("strong", texts.valid), ` ${texts.validDetail}`);
        nodes.push(verdict);
      } else {
        const verdict = element("div", "", "message message--error");
        const heading = element("p");
        heading.append(element("strong", texts.invalid));
        const list = element("ul");
        codes.forEach((code) => list.append(element("li", messages[code] || code)));
        verdict.append(heading, list);
        nodes.push(verdict);
      }
      if (payload && section.dataset.holderText) {
        nodes.push(element("p", holderText(payload, section.dataset.holderText), "credential-holder"));
      }
      if (Array.isArray(serverCodes) && token === submitted) {
        const same = serverCodes.length === codes.length && serverCodes.every((code) => codes.includes(code));
        nodes.push(element("p", same ? texts.agree : texts.disagree, same ? "" : "message message--error"));
      }
      show(nodes);
    };

    button.hidden = false;
    button.addEventListener("click", () => { check(); });
    if (Array.isArray(serverCodes) && submitted) {
      check();
    }
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
