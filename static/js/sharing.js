// Sharing pages, progressive enhancement only: without this file the link can be selected by
// hand, the poster downloaded, the deadline is shown as an absolute time and the server computes
// what checkout charges.
"use strict";

// Copy the short link.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  const input = document.getElementById(button.dataset.copy);
  const label = button.textContent;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(input.value);
    } catch (error) {
      input.select(); // no clipboard permission: select it so a long press copies it
      document.execCommand?.("copy");
    }
    button.textContent = button.dataset.copiedLabel;
    setTimeout(() => { button.textContent = label; }, 2000);
  });
});

// The phone's own share sheet, where the browser has one.
document.querySelectorAll("button[data-web-share]").forEach((button) => {
  if (typeof navigator.share !== "function") return;
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.share({ title: button.dataset.shareTitle, url: button.dataset.shareUrl }).catch(() => {});
  });
});

// A live countdown next to a group's absolute deadline.
const pad = (n) => String(n).padStart(2, "0");
document.querySelectorAll("time[data-countdown]").forEach((time) => {
  const out = time.parentElement.querySelector(".countdown");
  const deadline = Date.parse(time.getAttribute("datetime"));
  if (!out || Number.isNaN(deadline)) return;
  let timer;
  const tick = () => {
    const left = Math.floor((deadline - Date.now()) / 1000);
    if (left <= 0) {
      out.textContent = `· ${time.dataset.endedLabel}`;
      clearInterval(timer);
      return;
    }
    const days = Math.floor(left / 86400);
    const clock = `${pad(Math.floor((left % 86400) / 3600))}:${pad(Math.floor((left % 3600) / 60))}:${pad(left % 60)}`;
    out.textContent = `· ${days > 0 ? `${days}d ` : ""}${clock} ${out.dataset.leftLabel}`;
  };
  tick();
  timer = setInterval(tick, 1000);
});

// Checkout: what credit and a voucher take off the total (the server computes the real amount).
document.querySelectorAll("[data-checkout-due]").forEach((due) => {
  const form = due.closest("form");
  const total = form.querySelector("[data-checkout-total]");
  const quantity = form.querySelector("input[name=quantity]");
  const credit = form.querySelector("input[name=use_credit]");
  const voucher = form.querySelector("select[name=voucher]");
  const format = new Intl.NumberFormat(document.documentElement.lang, { style: "currency", currency: due.dataset.currency });
  const most = Number(quantity.dataset.max) || 1;
  const update = () => {
    const count = quantity.type === "hidden" ? 1 : Math.min(most, Math.max(1, Math.floor(Number(quantity.value)) || 1));
    const subtotal = Number(total.dataset.unitCents) * count;
    const option = voucher?.selectedOptions[0];
    let off = 0;
    if (option?.dataset.amount && subtotal >= Number(option.dataset.minSpend)) off = Math.min(subtotal, Number(option.dataset.amount));
    const fromCredit = credit?.checked ? Math.min(Number(credit.dataset.creditCents), subtotal - off) : 0;
    const parts = [];
    if (off) parts.push(`${due.dataset.labelVoucher} −${format.format(off / 100)}`);
    if (fromCredit) parts.push(`${due.dataset.labelCredit} −${format.format(fromCredit / 100)}`);
    due.querySelector("[data-due-discount]").textContent = parts.length ? `${parts.join(" · ")} · ` : "";
    due.querySelector("[data-due-amount]").textContent = format.format((subtotal - off - fromCredit) / 100);
    due.hidden = !parts.length;
  };
  for (const input of [quantity, credit, voucher]) input?.addEventListener("input", update);
  for (const input of [credit, voucher]) input?.addEventListener("change", update);
  update();
});
