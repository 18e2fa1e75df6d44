// rag's pages: the answer streams in, citations open their article beside it, uploads show progress.
// Everything the server sends as HTML was escaped there; text from elsewhere goes in as text.
"use strict";

function $(selector, root) { return (root || document).querySelector(selector); }

async function errorOf(response) {
  const text = await response.text();
  try { return JSON.parse(text).error || text; } catch (_) { return text.trim() || response.statusText; }
}

function showText(target, text, className) {
  target.replaceChildren();
  const p = document.createElement("p");
  if (className) p.className = className;
  p.textContent = text;
  target.appendChild(p);
}

async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      onEvent(event, data ? JSON.parse(data) : null);
    }
  }
}

async function ask(form) {
  const target = $("#answer");
  const params = new URLSearchParams(new FormData(form));
  history.replaceState(null, "", "/ask?" + params);
  showText(target, "Reading the sources…", "note");
  const streamed = document.createElement("p");
  streamed.className = "streaming";
  try {
    const response = await fetch("/ask/stream?" + params, { headers: { Accept: "text/event-stream" } });
    if (!response.ok) {
      showText(target, await errorOf(response), "error");
      return;
    }
    await readEvents(response, (event, data) => {
      if (event === "token") {
        if (!streamed.isConnected) target.replaceChildren(streamed);
        streamed.textContent += data.text;
      } else if (event === "html") {
        target.innerHTML = data.html;
      } else if (event === "error") {
        showText(target, data.error, "error");
      }
    });
  } catch (err) {
    showText(target, "the server could not be reached: " + err, "error");
  }
}

async function openPanel(link) {
  const panel = $("#panel");
  const body = $("#panel-body");
  showText(body, "Opening the article…", "note");
  panel.hidden = false;
  const response = await fetch(link.dataset.panel);
  if (!response.ok) {
    showText(body, await errorOf(response), "error");
    return;
  }
  body.innerHTML = await response.text();
  const mark = $("#panel-body mark");
  if (mark) mark.scrollIntoView({ block: "center" });
}

async function upload(form) {
  const progress = $("#ingest-progress");
  showText(progress, "Uploading…", "note");
  const response = await fetch(form.action, { method: "POST", body: new FormData(form) });
  await follow(response, progress);
}

async function fetchLinks(form) {
  const progress = $("#links-progress");
  showText(progress, "Fetching…", "note");
  const urls = form.elements.urls.value.split(/\r?\n/).map((u) => u.trim()).filter((u) => u);
  const response = await fetch(form.action, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ urls }),
  });
  await follow(response, progress);
}

async function follow(response, progress) {
  if (!response.ok) {
    showText(progress, await errorOf(response), "error");
    return;
  }
  const job = await response.json();
  for (;;) {
    const state = await (await fetch("/api/ingest/" + encodeURIComponent(job.id))).json();
    if (state.state === "running") {
      const f = state.fetched || {};
      const what = state.links.length
        ? `${state.links.length} link(s): ${f.sources || 0} sources, ${f.pages || 0} pages, ${f.articles || 0} new or changed, ${f.skipped || 0} skipped;`
        : `${state.files.length} file(s):`;
      showText(progress, `Ingesting ${what} ${state.embedded} of ${state.seen} articles embedded, ${state.seconds} s`, "note");
      await new Promise((done) => setTimeout(done, 500));
      continue;
    }
    if (state.state === "failed") {
      showText(progress, state.error, "error");
    } else {
      const r = state.report;
      const refused = (state.refused || []).map((f) => `${f.file} (${f.reason})`);
      const skipped = (r.skipped || []).map((f) => `${/^https?:/.test(f.path) ? f.path : f.path.split("/").pop()} (${f.reason})`);
      const notTaken = refused.concat(skipped);
      const note = notTaken.length ? ` Not ingested: ${notTaken.join("; ")}.` : "";
      showText(progress, `Done: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.duplicates} duplicates; ${r.chunks} chunks in ${state.seconds} s.${note}`, notTaken.length ? "error" : "done");
    }
    return;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const askForm = $("#ask-form");
  if (askForm) {
    askForm.addEventListener("submit", (event) => { event.preventDefault(); ask(askForm); });
    if ($("#answer").dataset.question) ask(askForm);
  }
  const uploadForm = $("#upload-form");
  if (uploadForm) uploadForm.addEventListener("submit", (event) => { event.preventDefault(); upload(uploadForm); });
  const linksForm = $("#links-form");
  if (linksForm) linksForm.addEventListener("submit", (event) => { event.preventDefault(); fetchLinks(linksForm); });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.cite[data-panel]");
    if (link) { event.preventDefault(); openPanel(link); return; }
    if (event.target.closest("[data-close-panel]")) $("#panel").hidden = true;
  });
});
