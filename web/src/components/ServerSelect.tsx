import { useServers } from '../api/queries'
import { Field } from './Field'

/**
 * A server of the team (its own and the shared ones), or '' for the instance's default server:
 * a project's default server, and where a new service or database deploys.
 */
export function ServerSelect({
  label,
  value,
  onChange,
  error,
}: {
  label: string
  value: string
  onChange: (uuid: string) => void
  error?: string
}) {
  const servers = useServers()
  const list = servers.data?.servers ?? []
  const fallback = list.find((s) => s.default)
  return (
    <Field label={label} error={error}>
      {(control) => (
        <select {...control} value={value} onChange={(e) => onChange(e.target.value)} aria-busy={servers.isPending}>
          <option value="">{`The default server${fallback ? ` (${fallback.name})` : ''}`}</option>
          {list
            .filter((s) => !s.default)
            .map((s) => (
              <option key={s.uuid} value={s.uuid}>
                {s.name}
                {s.shared ? ' (shared)' : ''}
              </option>
            ))}
        </select>
      )}
    </Field>
  )
}
