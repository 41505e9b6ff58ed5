// Follows a job's progress on its page: asks /jobs/ID/state twice a second until it ends.
(function () {
  const box = document.getElementById("job");
  if (!box) return;
  const id = box.dataset.job;
  const $ = (x) => document.getElementById(x);
  function show(s) {
    $("job-state").textContent = s.state;
    const p = s.progress || {};
    $("job-stage").textContent = p.stage || "";
    $("job-elapsed").textContent = s.elapsed_s + " s";
    if (p.total) { $("job-progress").value = p.fraction || 0; $("job-count").textContent = p.done + " of " + p.total + " replications"; }
    else if (p.done) { $("job-progress").removeAttribute("value"); $("job-count").textContent = p.done + " replications"; }
    $("job-notices").innerHTML = "";
    (s.notices || []).forEach((n) => { const li = document.createElement("li"); li.textContent = n; $("job-notices").appendChild(li); });
    if (s.problems && s.problems.length) {
      const ul = $("job-problems").querySelector("ul"); ul.innerHTML = "";
      s.problems.forEach((n) => { const li = document.createElement("li"); li.textContent = n; ul.appendChild(li); });
      $("job-problems").hidden = false;
    }
    const ended = ["done", "stopped", "failed", "unknown"].includes(s.state);
    box.dataset.state = s.state;
    $("cancel").disabled = ended;
    if (ended) {
      $("job-next").hidden = false;
      if (s.state === "done") { $("job-progress").value = 1; $("job-stage").textContent = "finished"; }
      document.querySelectorAll('.busy a[href="/jobs/' + id + '"]').forEach((a) => a.remove());
    }
    return ended;
  }
  function poll() {
    fetch("/jobs/" + id + "/state", { credentials: "same-origin" })
      .then((r) => r.json()).then((s) => { if (!show(s)) setTimeout(poll, 500); })
      .catch(() => setTimeout(poll, 1000));
  }
  poll();
})();
