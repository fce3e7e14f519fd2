// Line icons drawn as SVG, so that the console looks the same on machines
// without an emoji font. icon(name) returns a decorative <svg>.

const paths = {
  menu: 'M4 6h16M4 12h16M4 18h16',
  key: 'M11 12.5L20 3.5M17 6.5l2.5 2.5M14.5 9l2 2M8 21a5 5 0 1 1 0-10 5 5 0 0 1 0 10z',
  phone: 'M8 2h8a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zM11 18h2',
  chat: 'M4 5h16v11H9l-5 4z',
  bell: 'M6 16v-5a6 6 0 0 1 12 0v5l2 2H4zM10 21h4',
  template: 'M5 4h14a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zM4 10h16M10 10v10',
  sliders: 'M4 7h9M17 7h3M4 17h3M11 17h9M15 9a2 2 0 1 1 0-4 2 2 0 0 1 0 4zM9 19a2 2 0 1 1 0-4 2 2 0 0 1 0 4z',
  attach: 'M16.5 7.5l-7.8 7.8a2 2 0 0 0 2.8 2.8l8.1-8.1a4 4 0 0 0-5.7-5.7l-8.1 8.1a6 6 0 0 0 8.5 8.5l6.7-6.7',
  pin: 'M12 21.5s-7-6.3-7-12a7 7 0 0 1 14 0c0 5.7-7 12-7 12zM12 12a2.5 2.5 0 1 1 0-5 2.5 2.5 0 0 1 0 5z',
  send: 'M3.5 20.5L21 12 3.5 3.5 6 12zM6 12h7',
  back: 'M19 12H5M11 6l-6 6 6 6',
  reply: 'M10 7l-5 5 5 5M5 12h9a5 5 0 0 1 5 5v2',
  smile: 'M12 21a9 9 0 1 1 0-18 9 9 0 0 1 0 18zM8.5 14a4.2 4.2 0 0 0 7 0M9 9.5h.01M15 9.5h.01',
  doc: 'M6 2h8l5 5v14a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1zM14 2v5h5M8 13h8M8 17h6',
  download: 'M12 4v11M7 10l5 5 5-5M5 20h14',
  external: 'M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5',
  close: 'M6 6l12 12M18 6L6 18',
  call: 'M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z',
  list: 'M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01',
  mic: 'M12 3a3 3 0 0 1 3 3v6a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3zM5 11a7 7 0 0 0 14 0M12 18v3',
  copy: 'M9 9h11v11H9zM5 15H4V4h11v1',
  plus: 'M12 5v14M5 12h14',
  cart: 'M3 4h2l2.5 11h11L21 7H6.5M10 20h.01M17 20h.01',
  gauge: 'M4 18a8 8 0 1 1 16 0M12 18l4-6M8 18h8',
  bolt: 'M13 2L5 14h6l-1 8 8-12h-6z',
  block: 'M12 21a9 9 0 1 1 0-18 9 9 0 0 1 0 18zM5.6 5.6l12.8 12.8',
  flag: 'M5 21V4h11l-1.5 4L16 12H5',
  hash: 'M9 3L7 21M17 3l-2 18M4 8h17M3 16h17',
};

const ns = 'http://www.w3.org/2000/svg';

// icon returns the icon as an SVG element, hidden from screen readers (the
// button or link around it carries the label).
export function icon(name, size) {
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', String(size || 20));
  svg.setAttribute('height', String(size || 20));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'icon');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', paths[name] || paths.close);
  svg.append(p);
  return svg;
}
