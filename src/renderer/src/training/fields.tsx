// Form controls of the training dialogs: labelled inputs that show their field's problem, and the
// dataset chooser. Each control carries data-testid="f-<field>" for tests.
import type { ReactNode } from 'react';
import type { DatasetSummary } from '../../../shared/contract';

export function Field({ name, label, hint, issue, children }: { name: string; label: string; hint?: string; issue?: string; children: ReactNode }) {
  return (
    <label className={`field${issue ? ' invalid' : ''}`} data-field={name}>
      <span className="field-label">{label}</span>
      {children}
      {issue ? (
        <span className="field-issue" data-testid={`issue-${name}`}>
          {issue}
        </span>
      ) : hint ? (
        <span className="field-hint">{hint}</span>
      ) : null}
    </label>
  );
}

export function TextInput({ name, value, onChange, width }: { name: string; value: string; onChange: (v: string) => void; width?: number }) {
  return (
    <input
      className="input"
      data-testid={`f-${name}`}
      name={name}
      value={value}
      style={width ? { width } : undefined}
      inputMode="decimal"
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

export function Check({ name, label, checked, onChange }: { name: string; label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="check">
      <input type="checkbox" data-testid={`f-${name}`} checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {label}
    </label>
  );
}

export function Select<T extends string>({ name, value, options, onChange }: { name: string; value: T; options: { value: T; label: string }[]; onChange: (v: T) => void }) {
  return (
    <select className="input" data-testid={`f-${name}`} name={name} value={value} onChange={(e) => onChange(e.target.value as T)}>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

/** Datasets to include: none ticked means every dataset (the engine's default). */
export function DatasetChooser({ datasets, value, onChange }: { datasets: DatasetSummary[]; value: string[]; onChange: (v: string[]) => void }) {
  if (!datasets.length) return <p className="empty">This project has no datasets yet: import one first (File → Import…).</p>;
  const toggle = (name: string, on: boolean) => onChange(on ? [...value, name] : value.filter((n) => n !== name));
  return (
    <div className="dataset-chooser" data-testid="f-datasets">
      {datasets.map((d) => (
        <label key={d.id} className="check">
          <input type="checkbox" checked={value.includes(d.name)} onChange={(e) => toggle(d.name, e.target.checked)} />
          <span>{d.name}</span>
          <span className="muted">
            {Object.entries(d.splits)
              .map(([s, n]) => `${s} ${n.toLocaleString('en-US')}`)
              .join(' · ')}
          </span>
        </label>
      ))}
      <span className="field-hint">{value.length ? `${value.length} of ${datasets.length} datasets` : 'None ticked: every dataset.'} Training reads the train split; validation (AU thresholds, per-epoch metrics) the val split.</span>
    </div>
  );
}
