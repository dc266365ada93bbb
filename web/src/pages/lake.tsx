// The lake browser: buckets, then prefixes and objects as folders and files;
// an object shows its metadata (a manifest or schema.json as its document), a
// preview (raw JSON records, clean CSV as a table of its first rows) and a
// download link. Keys are "<bucket>/<path>" throughout, as the server gives them.
import type { ReactNode } from "react";
import { downloadUrl, getObjectMetadata, listBuckets, listObjects, previewObject, type LakePreview } from "../api";
import { ErrorMessage, Facts, Loading } from "../components/common";
import { BucketIcon, FileIcon, FolderIcon } from "../components/icons";
import { formatBytes, formatDate } from "../format";
import { usePolling } from "../poll";
import { routeHref, type Route } from "../router";

type LakeRoute = Extract<Route, { page: "lake" }>;

export function LakePage({ route }: { route: LakeRoute }) {
  const buckets = usePolling(listBuckets, [], 30000);
  const bucket = route.prefix.split("/")[0];
  return (
    <div className="page lake-page">
      <div className="page-head">
        <h1>Lake</h1>
        {buckets.data?.lake && <code className="muted small">{buckets.data.lake}</code>}
      </div>
      <ErrorMessage error={buckets.error} />
      <div className="lake-panes">
        <nav className="card buckets" aria-label="Buckets" data-testid="buckets">
          <h2>Buckets</h2>
          {buckets.data === undefined ? (
            !buckets.error && <Loading what="buckets" />
          ) : (
            <ul>
              {buckets.data.buckets.map((entry) => (
                <li key={entry.name}>
                  <a
                    href={routeHref({ page: "lake", prefix: entry.prefix })}
                    className={entry.name === bucket ? "active" : ""}
                    data-testid={`bucket-${entry.name}`}
                    title={entry.dag_ids?.length ? `used by ${entry.dag_ids.join(", ")}` : undefined}
                  >
                    <BucketIcon /> {entry.name}
                  </a>
                </li>
              ))}
            </ul>
          )}
        </nav>
        {route.prefix ? (
          <Listing prefix={route.prefix} selectedKey={route.key} />
        ) : (
          <div className="muted empty">Choose a bucket.</div>
        )}
      </div>
    </div>
  );
}

function Breadcrumbs({ prefix }: { prefix: string }) {
  const parts = prefix.split("/").filter(Boolean);
  return (
    <div className="breadcrumbs" data-testid="breadcrumbs">
      {parts.map((part, index) => (
        <span key={index}>
          {index > 0 && " / "}
          <a href={routeHref({ page: "lake", prefix: `${parts.slice(0, index + 1).join("/")}/` })}>{part}</a>
        </span>
      ))}
    </div>
  );
}

function Listing({ prefix, selectedKey }: { prefix: string; selectedKey?: string }) {
  const listing = usePolling(() => listObjects(prefix), [prefix], 10000);
  const name = (full: string) => full.slice(prefix.length) || full;
  return (
    <div className="lake-main">
      <section className="card listing">
        <Breadcrumbs prefix={prefix} />
        <ErrorMessage error={listing.error} />
        {!listing.data ? (
          !listing.error && <Loading what={prefix} />
        ) : (
          <div className="table-wrap">
            <table className="objects" data-testid="objects" data-prefix={listing.data.prefix}>
              <thead>
                <tr>
                  <th>Name</th>
                  <th className="num">Size</th>
                  <th className="col-modified">Modified</th>
                </tr>
              </thead>
              <tbody>
                {listing.data.prefixes.map((child) => (
                  <tr key={child}>
                    <td colSpan={3}>
                      <a href={routeHref({ page: "lake", prefix: child })} data-testid="prefix">
                        <FolderIcon /> {name(child)}
                      </a>
                    </td>
                  </tr>
                ))}
                {listing.data.objects.map((object) => (
                  <tr key={object.key} className={object.key === selectedKey ? "selected" : ""}>
                    <td>
                      <a href={routeHref({ page: "lake", prefix, key: object.key })} data-testid="object">
                        <FileIcon /> {object.name || name(object.key)}
                      </a>
                    </td>
                    <td className="num">{formatBytes(object.size)}</td>
                    <td className="col-modified">{formatDate(object.modified)}</td>
                  </tr>
                ))}
                {listing.data.prefixes.length === 0 && listing.data.objects.length === 0 && (
                  <tr>
                    <td colSpan={3} className="muted">
                      Nothing under this prefix yet.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
            {listing.data.truncated && <div className="muted small">Only the first 1,000 objects are shown.</div>}
          </div>
        )}
      </section>
      {selectedKey && <ObjectView key={selectedKey} objectKey={selectedKey} />}
    </div>
  );
}

function ObjectView({ objectKey }: { objectKey: string }) {
  const metadata = usePolling(() => getObjectMetadata(objectKey), [objectKey], null);
  const preview = usePolling(() => previewObject(objectKey), [objectKey], null);
  const facts: [string, ReactNode][] = metadata.data
    ? [
        ["Size", formatBytes(metadata.data.size)],
        ["Modified", formatDate(metadata.data.modified)],
        ["Kind", metadata.data.kind],
        ["Content type", metadata.data.content_type ?? "—"],
      ]
    : [];
  return (
    <section className="card object-view" data-testid="object-view">
      <div className="card-head">
        <h2 className="object-key">
          <code>{objectKey}</code>
        </h2>
        <a className="button" href={downloadUrl(objectKey)} download data-testid="download">
          ⤓ Download
        </a>
      </div>
      <ErrorMessage error={metadata.error} />
      {metadata.data && <Facts items={facts} />}
      {metadata.data?.document != null && (
        <>
          <h3 className="sub">{metadata.data.kind === "schema" ? "Schema" : "Manifest"}</h3>
          <pre className="code preview-text" data-testid="document">
            {JSON.stringify(metadata.data.document, null, 2)}
          </pre>
        </>
      )}
      <h3 className="sub">Preview</h3>
      <ErrorMessage error={preview.error} />
      {preview.data ? <Preview preview={preview.data} /> : !preview.error && <Loading what="preview" />}
    </section>
  );
}

export function Preview({ preview }: { preview: LakePreview }) {
  const note = preview.truncated ? (
    <div className="muted small">The object is {formatBytes(preview.size)}; this is its beginning. Download it for all of it.</div>
  ) : null;
  if (preview.columns && preview.rows) {
    return (
      <div data-testid="preview">
        <div className="muted small">
          {preview.rows.length} row{preview.rows.length === 1 ? "" : "s"} shown
        </div>
        <div className="table-wrap preview-table">
          <table>
            <thead>
              <tr>
                {preview.columns.map((column, index) => (
                  <th key={index}>{column}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preview.rows.map((row, index) => (
                <tr key={index}>
                  {row.map((cell, column) => (
                    <td key={column} title={cell}>
                      {cell}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {note}
      </div>
    );
  }
  const parsed = preview.records ?? (preview.document != null ? preview.document : null);
  if (parsed !== null) {
    const count = Array.isArray(preview.records) ? preview.records.length : null;
    return (
      <div data-testid="preview">
        {count !== null && (
          <div className="muted small">
            First {count} record{count === 1 ? "" : "s"}
          </div>
        )}
        <pre className="code preview-text">{JSON.stringify(parsed, null, 2)}</pre>
        {note}
      </div>
    );
  }
  if (preview.kind === "other" && !isText(preview.text)) {
    return <div className="muted small" data-testid="preview">No preview for this kind of object; download it instead.</div>;
  }
  return (
    <div data-testid="preview">
      <pre className="code preview-text">{preview.text || "(empty object)"}</pre>
      {note}
    </div>
  );
}

function isText(text: string): boolean {
  return !/[\u0000-\u0008\u000e-\u001f]/.test(text.slice(0, 4096));
}
