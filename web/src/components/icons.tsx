// Small inline icons (no icon font: the page must render the same everywhere).
export function FolderIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M1.5 3.5h4.2l1.5 1.5h7.3v8.5h-13z" fill="#fcd34d" stroke="#b45309" strokeWidth="1" />
    </svg>
  );
}

export function FileIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M3.5 1.5h6l3 3v10h-9z" fill="#f8fafc" stroke="#64748b" strokeWidth="1" />
      <path d="M9.5 1.5v3h3" fill="none" stroke="#64748b" strokeWidth="1" />
    </svg>
  );
}

export function BucketIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M2.5 4h11l-1.3 9.5H3.8z" fill="#bae6fd" stroke="#0369a1" strokeWidth="1" />
      <ellipse cx="8" cy="4" rx="5.5" ry="1.6" fill="#e0f2fe" stroke="#0369a1" strokeWidth="1" />
    </svg>
  );
}
