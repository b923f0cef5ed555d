// Keeps this tab's private playground key in sessionStorage, so a reload finds its model.
//
// sessionStorage belongs to one tab and survives its reloads; it is never sent with a
// request and is not part of the URL. See dde_app/resume.py.
//
// data = {key: <the key of the playground this session shows>}. If the tab holds another
// key (it was reloaded), the component offers it once as the trigger "claim"; the server
// answers by drawing the component again with the key it settled on, which is stored.
const STORAGE_KEY = "dde-playground-resume-key";

export default function ({ data, setTriggerValue }) {
  let stored = null;
  try {
    stored = window.sessionStorage.getItem(STORAGE_KEY);
  } catch (error) {
    return; // storage blocked (e.g. a sandboxed embed): a reload starts afresh
  }
  window.__ddeResumeOffered = window.__ddeResumeOffered || {};
  if (stored && stored !== data.key && !window.__ddeResumeOffered[stored]) {
    window.__ddeResumeOffered[stored] = true; // offer each old key once per page load
    setTriggerValue("claim", stored);
    return;
  }
  if (data.key) window.sessionStorage.setItem(STORAGE_KEY, data.key);
}
