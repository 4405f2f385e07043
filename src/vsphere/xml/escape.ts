const REPLACEMENTS: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes text for use in XML element content or attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => REPLACEMENTS[ch]!);
}
