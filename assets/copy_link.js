// "Copy link": copies the page's address (its settings are in the URL) to the clipboard.
//
// Streamlit's own embedding parameters (embed, embed_options) are left out: the link is for
// opening the app itself. Where the clipboard API is not available (a page served over plain
// HTTP from another machine), the link is shown selected in a box to copy by hand.
const LEFT_OUT = ["embed", "embed_options"];

function shareableUrl() {
  const url = new URL(window.location.href);
  for (const name of LEFT_OUT) url.searchParams.delete(name);
  return url.href;
}

export default function ({ parentElement, data }) {
  let button = parentElement.querySelector("button");
  if (!button) {
    button = document.createElement("button");
    button.type = "button";
    button.className = "dde-copy-link";
    const note = document.createElement("input");
    note.readOnly = true;
    note.className = "dde-copy-link-fallback";
    note.hidden = true;
    parentElement.append(button, note);
    button.addEventListener("click", async () => {
      const link = shareableUrl();
      button.dataset.link = link;
      try {
        await navigator.clipboard.writeText(link);
        button.textContent = "Link copied";
      } catch (error) {
        note.hidden = false;
        note.value = link;
        note.select();
        button.textContent = "Copy the selected link";
      }
      setTimeout(() => (button.textContent = data.label), 2500);
    });
  }
  button.textContent = data.label;
}
