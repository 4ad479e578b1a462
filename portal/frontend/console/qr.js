// A QR code as an SVG image, drawn node by node from the vendored encoder's module matrix
// (qrcode-generator: getModuleCount/isDark), so no markup is ever parsed (Trusted Types).
import qrcode from "../vendor/qrcode-generator@2.0.4/dist/qrcode.mjs";

const SVG = "http://www.w3.org/2000/svg";
const QUIET_ZONE = 4; // modules of white around the code, as ISO/IEC 18004 asks

function svgElement(tag, attributes) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/**
 * `text` (ASCII, e.g. an otpauth:// link) as a QR code: an <svg role="img"> named `label`.
 * Error correction M, the smallest version that fits. Dark modules are one path of unit
 * squares ("M<col> <row>h1v1h-1z", offset by the quiet zone), white behind them.
 */
export function qrCodeSvg(text, label) {
  const code = qrcode(0, "M");
  code.addData(text);
  code.make();
  const count = code.getModuleCount();
  const size = count + 2 * QUIET_ZONE;
  const squares = [];
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      if (code.isDark(row, col)) squares.push(`M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`);
    }
  }
  const svg = svgElement("svg", {
    class: "qr-code", role: "img", "aria-label": label, viewBox: `0 0 ${size} ${size}`,
    width: size * 5, height: size * 5, "shape-rendering": "crispEdges",
  });
  const title = svgElement("title", {});
  title.textContent = label;
  svg.append(
    title,
    svgElement("rect", { width: size, height: size, fill: "#ffffff" }),
    svgElement("path", { d: squares.join(""), fill: "#000000" }),
  );
  return svg;
}
