// Attachments with a progress bar: each chosen file is sent at once to the upload endpoint (XHR, so
// progress events are available); the server checks and stores it and the file is listed. Without
// JavaScript the same file input is posted with the form.
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("petition-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = form.querySelector('input[type="file"][name="attachments"]');
  var list = document.getElementById("uploaded-files");
  var progressArea = document.getElementById("upload-progress");
  var typeSelect = form.querySelector('select[name="petition_type"]');
  var reportBlock = document.getElementById("report-block");
  var pending = 0;

  function toggleReport() {
    if (typeSelect && reportBlock) { reportBlock.hidden = typeSelect.value !== "report"; }
  }
  if (typeSelect) { typeSelect.addEventListener("change", toggleReport); toggleReport(); }

  function csrf() {
    var field = form.querySelector('input[name="csrfmiddlewaretoken"]');
    return field ? field.value : "";
  }

  function upload(file) {
    var row = document.createElement("div");
    row.className = "portal-progress-row";
    var label = document.createElement("span");
    label.textContent = script.dataset.msgUploading + " " + file.name;
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    row.appendChild(label); row.appendChild(bar);
    progressArea.appendChild(row);
    var data = new FormData();
    data.append("file", file);
    data.append("submission_id", form.elements.submission_id.value);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", script.dataset.uploadUrl);
    xhr.setRequestHeader("X-CSRFToken", csrf());
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) { bar.value = Math.round(100 * event.loaded / event.total); }
    });
    pending += 1;
    xhr.addEventListener("loadend", function () {
      pending -= 1;
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
      if (xhr.status === 201) {
        bar.value = 100;
        label.textContent = script.dataset.msgDone + " " + body.name;
        var item = document.createElement("li");
        item.textContent = body.name + " ";
        var remove = document.createElement("button");
        remove.type = "submit"; remove.name = "remove_file"; remove.value = body.token;
        remove.className = "link-button"; remove.formNoValidate = true;
        remove.textContent = script.dataset.msgRemove + " " + body.name;
        item.appendChild(remove);
        list.appendChild(item);
        row.classList.add("done");
      } else {
        row.classList.add("failed");
        row.setAttribute("role", "alert");
        label.textContent = script.dataset.msgFailed + "：" + (body.error || file.name);
      }
    });
    xhr.send(data);
  }

  input.addEventListener("change", function () {
    Array.prototype.forEach.call(input.files, upload);
    input.value = "";  // sent already: the form must not post them again
  });
  form.addEventListener("submit", function (event) {
    if (pending > 0) { event.preventDefault(); }
  });
})();
