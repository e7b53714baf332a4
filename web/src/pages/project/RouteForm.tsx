import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { call } from '../../api/client'
import type { Middleware, PreviewChange, ProxyRoute, RouteInput, RouteTarget } from '../../api/proxy-types'
import type { ComposeVersion, ServiceSummary } from '../../api/types'
import { Field, fieldError, TextField } from '../../components/Field'
import { ErrorNotice } from '../../components/Notice'
import { composeTargets, type ComposeTarget } from './composeTargets'
import { PreviewPanel, SaveButtons, useProxyChange } from './ProxyPreview'

type Props = {
  domainId: string
  services: ServiceSummary[]
  middlewares: Middleware[]
  route?: ProxyRoute
  onDone: () => void
}

type TargetForm = { kind: 'service' | 'url'; service: string; composeService: string; port: string; url: string }

function targetForm(target: RouteTarget | undefined, services: ServiceSummary[]): TargetForm {
  if (target && 'url' in target)
    return { kind: 'url', service: services[0]?.uuid ?? '', composeService: '', port: '80', url: target.url }
  return {
    kind: 'service',
    service: target?.service ?? services[0]?.uuid ?? '',
    composeService: target?.compose_service ?? '',
    port: String(target?.port ?? 80),
    url: '',
  }
}

/** The target as the API takes it, or null while the form does not name one yet. */
function targetOf(t: TargetForm): RouteTarget | null {
  if (t.kind === 'url') return t.url ? { url: t.url } : null
  const port = Number(t.port)
  return t.service && t.composeService && Number.isInteger(port)
    ? { service: t.service, compose_service: t.composeService, port }
    : null
}

/** Adds a route to a domain, or changes one: a target, a path and the middlewares it passes through. */
export function RouteForm({ domainId, services, middlewares, route, onDone }: Props) {
  const [target, setTarget] = useState(() => targetForm(route?.target, services))
  const [path, setPath] = useState(route?.path ?? '/')
  const [pathMatch, setPathMatch] = useState<RouteInput['path_match']>(route?.path_match ?? 'prefix')
  const [chosen, setChosen] = useState<string[]>(route?.middlewares ?? [])
  const suggestions = useComposeTargets(target.kind === 'service' ? target.service : '')
  const picked = suggestions.find((c) => c.name === target.composeService)
  // Picking a compose service that names its ports fills in the first one; typing stays possible.
  function chooseComposeService(name: string) {
    const ports = suggestions.find((c) => c.name === name)?.ports ?? []
    setTarget({ ...target, composeService: name, port: ports[0] !== undefined ? String(ports[0]) : target.port })
  }
  const resolved = targetOf(target)
  const data: RouteInput | null = resolved && {
    target: resolved,
    path,
    path_match: pathMatch,
    middlewares: chosen,
    active: route?.active ?? true,
  }
  const change: PreviewChange | null =
    data && (route ? { op: 'update_route', id: route.id, data } : { op: 'create_route', domain: domainId, data })
  const state = useProxyChange(
    change,
    () =>
      route
        ? call<ProxyRoute>('updateRoute', { params: { id: route.id }, body: data })
        : call<ProxyRoute>('createRoute', { params: { id: domainId }, body: data }),
    ['routes', domainId],
    onDone,
  )
  // Order matters (each middleware wraps the next), so a new pick goes last.
  function toggle(id: string) {
    setChosen(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id])
  }

  const { problem } = state
  const title = route ? `Edit route ${route.path}` : 'New route'
  return (
    <form onSubmit={state.submit} aria-label={title} className="proxy-form">
      <h4>{title}</h4>
      <fieldset>
        <legend>Send requests to</legend>
        <label>
          <input
            type="radio"
            name="target-kind"
            checked={target.kind === 'service'}
            onChange={() => setTarget({ ...target, kind: 'service' })}
          />
          a service of this project
        </label>
        <label>
          <input
            type="radio"
            name="target-kind"
            checked={target.kind === 'url'}
            onChange={() => setTarget({ ...target, kind: 'url' })}
          />
          a URL
        </label>
      </fieldset>
      {target.kind === 'service' ? (
        <div className="grid">
          <Field label="Service" error={fieldError(problem, 'service')}>
            {(control) => (
              <select
                {...control}
                value={target.service}
                onChange={(e) => setTarget({ ...target, service: e.target.value })}
              >
                {services.map((s) => (
                  <option key={s.uuid} value={s.uuid}>
                    {s.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <TextField
            label="Compose service"
            hint="the name under services: in its compose file"
            required
            list={`compose-services-${domainId}`}
            value={target.composeService}
            onChange={chooseComposeService}
            error={fieldError(problem, 'compose_service')}
          />
          <TextField
            label="Port"
            type="number"
            min={1}
            max={65535}
            required
            list={`compose-ports-${domainId}`}
            value={target.port}
            onChange={(v) => setTarget({ ...target, port: v })}
            error={fieldError(problem, 'port')}
          />
          <datalist id={`compose-services-${domainId}`}>
            {suggestions.map((c) => (
              <option key={c.name} value={c.name} />
            ))}
          </datalist>
          <datalist id={`compose-ports-${domainId}`}>
            {(picked?.ports ?? []).map((p) => (
              <option key={p} value={p} />
            ))}
          </datalist>
        </div>
      ) : (
        <TextField
          label="URL"
          placeholder="http://10.0.0.5:8080"
          required
          value={target.url}
          onChange={(v) => setTarget({ ...target, url: v })}
          error={fieldError(problem, 'url')}
        />
      )}
      <div className="grid">
        <TextField label="Path" required value={path} onChange={setPath} error={fieldError(problem, 'path')} />
        <Field label="Path match">
          {(control) => (
            <select
              {...control}
              value={pathMatch}
              onChange={(e) => setPathMatch(e.target.value as RouteInput['path_match'])}
            >
              <option value="prefix">prefix (the path and everything below)</option>
              <option value="exact">exact</option>
            </select>
          )}
        </Field>
      </div>
      <fieldset>
        <legend>Middlewares, applied in the order you pick them</legend>
        {middlewares.length === 0 && (
          <p className="muted">This project has no middlewares yet; add them below the domains.</p>
        )}
        {middlewares.map((m) => (
          <label key={m.id}>
            <input type="checkbox" checked={chosen.includes(m.id)} onChange={() => toggle(m.id)} />
            <span>
              {chosen.includes(m.id) && <span className="badge">{chosen.indexOf(m.id) + 1}</span>} {m.name}{' '}
              <span className="muted">({m.type})</span>
            </span>
          </label>
        ))}
        {fieldError(problem, 'middlewares') && (
          <small className="field-error">{fieldError(problem, 'middlewares')}</small>
        )}
      </fieldset>
      <PreviewPanel preview={state.preview} />
      <ErrorNotice error={state.mutation.error} />
      <SaveButtons label={route ? 'Save route' : 'Add route'} state={state} ready={data !== null} onCancel={onDone} />
    </form>
  )
}

/** The compose services of a Berth service's current (rendered) compose file. */
function useComposeTargets(serviceId: string): ComposeTarget[] {
  const compose = useQuery({
    queryKey: ['compose', serviceId],
    queryFn: () => call<ComposeVersion>('compose', { params: { uuid: serviceId } }),
    enabled: serviceId !== '',
  })
  return compose.data ? composeTargets(compose.data.rendered_yaml) : []
}
