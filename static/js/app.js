// Progressive enhancement only: every page works without this file.
"use strict";
document.documentElement.classList.add("js");

const csrfToken = (form) => form.querySelector("input[name=csrf_token]")?.value ?? "";

// The language switcher submits itself on change.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.requestSubmit();
});

// Destructive buttons ask first.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// Like, collect and follow buttons: send the same form with fetch, then flip it in place.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-toggle]");
  if (!form || event.defaultPrevented) return;
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
      credentials: "same-origin",
    });
    if (response.status === 401 || response.redirected) {
      window.location.href = response.url;
      return;
    }
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    const active = Boolean(data.liked ?? data.collected ?? data.following);
    form.action = active ? form.dataset.actionOff : form.dataset.actionOn;
    button.classList.toggle("is-active", active);
    button.setAttribute("aria-pressed", String(active));
    form.querySelector(".toggle-label").textContent = active ? form.dataset.labelOff : form.dataset.labelOn;
    const count = form.querySelector(".toggle-count");
    const value = data.like_count ?? data.collect_count;
    if (count && value !== undefined) count.textContent = value;
  } catch (error) {
    form.submit(); // fall back to the plain form post
  } finally {
    button.disabled = false;
  }
});

// Waterfall in reading order: cards go left to right into the shortest column. Heights are
// known before images load (width/height attributes), so nothing moves once placed. Without
// JavaScript the CSS columns show the same cards.
const placeCards = (container, cards) => {
  const columns = Array.from(container.querySelectorAll(":scope > .masonry-column"));
  for (const card of cards) {
    columns.reduce((a, b) => (b.offsetHeight < a.offsetHeight ? b : a)).append(card);
  }
  const more = container.querySelector(":scope > [data-next-page]");
  if (more) container.append(more);
};
const masonry = (container) => {
  const count = parseInt(getComputedStyle(container).columnCount, 10) || 2;
  const cards = Array.from(container.querySelectorAll(":scope > [data-testid=note-card]"));
  container.classList.add("masonry");
  container.prepend(...Array.from({ length: count }, () => {
    const column = document.createElement("div");
    column.className = "masonry-column";
    return column;
  }));
  placeCards(container, cards);
};
document.querySelectorAll("[data-waterfall]").forEach(masonry);

// Infinite scroll: when the "More" link comes into view, fetch the next cards into the waterfall.
const observeMore = (root) => {
  const more = root.querySelector("[data-next-page]");
  if (!more || !("IntersectionObserver" in window)) return;
  const observer = new IntersectionObserver(async (entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    observer.disconnect();
    const url = new URL(more.href, window.location.href);
    url.searchParams.set("partial", "1");
    more.classList.add("loading");
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const template = document.createElement("template");
      template.innerHTML = await response.text();
      const container = more.parentElement;
      more.remove();
      const fragment = template.content;
      const cards = Array.from(fragment.querySelectorAll("[data-testid=note-card]"));
      const next = fragment.querySelector("[data-next-page]");
      if (container.classList.contains("masonry")) placeCards(container, cards);
      else container.append(...cards);
      if (next) container.append(next);
      observeMore(container);
    } catch (error) {
      more.classList.remove("loading"); // the link still works as a plain link
    }
  }, { rootMargin: "600px 0px" });
  observer.observe(more);
};
document.querySelectorAll("[data-waterfall]").forEach(observeMore);

// Show picked photos before upload, in order: the first is the cover.
document.addEventListener("change", (event) => {
  const input = event.target.closest("input[type=file][multiple]");
  const preview = input?.form?.querySelector("[data-upload-preview]");
  if (!preview) return;
  preview.replaceChildren(...Array.from(input.files).slice(0, 18).map((file) => {
    const img = document.createElement("img");
    img.src = URL.createObjectURL(file);
    img.alt = file.name;
    img.onload = () => URL.revokeObjectURL(img.src);
    return img;
  }));
});

// Carousel arrows for mouse users; touch users swipe.
document.querySelectorAll("[data-carousel-step]").forEach((button) => {
  const carousel = button.parentElement.querySelector(".carousel");
  button.hidden = false;
  button.addEventListener("click", () => {
    carousel.scrollBy({ left: Number(button.dataset.carouselStep) * carousel.clientWidth, behavior: "smooth" });
  });
});

// Notifications count as read once the list has been shown.
document.querySelectorAll("form[data-submit-on-view]").forEach((form) => {
  fetch(form.action, {
    method: "POST",
    body: new FormData(form),
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
    credentials: "same-origin",
  }).catch(() => {}); // the "mark all as read" button remains
});

// Checkout: the total follows the quantity as it is typed (the server computes the real one).
document.querySelectorAll("[data-checkout-total]").forEach((total) => {
  const quantity = total.closest("form").querySelector("input[name=quantity]");
  const format = new Intl.NumberFormat(document.documentElement.lang, {
    style: "currency", currency: total.dataset.currency,
  });
  const most = Number(quantity.dataset.max) || 1;
  const update = () => {
    const count = Math.min(most, Math.max(1, Math.floor(Number(quantity.value)) || 1));
    total.textContent = format.format((Number(total.dataset.unitCents) * count) / 100);
  };
  quantity.addEventListener("input", update);
  update();
});

// Search suggestions as you type: tags, products and people into the box's datalist.
document.querySelectorAll("input[data-suggest]").forEach((input) => {
  const list = document.getElementById(input.getAttribute("list"));
  let timer;
  let controller;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (!q || !list) return;
      controller?.abort();
      controller = new AbortController();
      try {
        const response = await fetch(`/api/v1/search/suggest?q=${encodeURIComponent(q)}`, { signal: controller.signal });
        if (!response.ok) return;
        const data = await response.json();
        list.replaceChildren(...data.items.map((item) => {
          const option = document.createElement("option");
          option.value = item.type === "user" ? item.text.split(" @")[0] : item.text;
          option.label = item.text;
          return option;
        }));
      } catch (error) {
        // offline or superseded by the next keystroke: no suggestions, the search still works
      }
    }, 150);
  });
});
