import type { ProjectListItem } from '../api/types'

/** The project a new service goes into (the template deploy and import forms). */
export function ProjectSelect({
  projects,
  value,
  onChange,
}: {
  projects: ProjectListItem[]
  value: string
  onChange: (uuid: string) => void
}) {
  return (
    <label>
      Project
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {projects.map((p) => (
          <option key={p.uuid} value={p.uuid}>
            {p.name}
          </option>
        ))}
      </select>
    </label>
  )
}
