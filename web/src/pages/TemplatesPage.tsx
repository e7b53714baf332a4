import { useMutation, useQuery } from '@tanstack/react-query'
import { useMemo, useState, type FormEvent } from 'react'
import { Link, useParams } from 'react-router'
import { useAbility } from '../api/abilities'
import { call, routeUrl } from '../api/client'
import { useProjects } from '../api/queries'
import type { ProjectListItem, Template, TemplateDeployment, TemplateSummary } from '../api/types'
import { ErrorNotice, Loading, SuccessNotice } from '../components/Notice'
import { ProjectSelect } from '../components/ProjectSelect'
import { SecretValue } from '../components/SecretValue'

/** The catalog as cards, narrowed by a search over names, descriptions and tags, and by category. */
export function TemplatesPage() {
  const [search, setSearch] = useState('')
  const [category, setCategory] = useState('')
  const templates = useQuery({
    queryKey: ['templates'],
    queryFn: () => call<{ templates: TemplateSummary[] }>('templates'),
    staleTime: 300_000,
  })
  const all = templates.data?.templates ?? []
  const categories = useMemo(() => [...new Set(all.map((t) => t.category))].sort(), [all])
  const words = search.toLowerCase().split(/\s+/).filter(Boolean)
  const shown = all.filter(
    (t) =>
      (!category || t.category === category) &&
      words.every((w) => `${t.name} ${t.description} ${t.tags.join(' ')}`.toLowerCase().includes(w)),
  )
  return (
    <section>
      <h1>Templates</h1>
      <p>
        <Link to="/templates/import">Import a Coolify or Dokploy template</Link>
      </p>
      <div className="grid">
        <label>
          Search templates
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label>
          Category
          <select value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">All categories</option>
            {categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
      </div>
      {templates.isPending ? (
        <Loading what="templates" />
      ) : templates.error ? (
        <ErrorNotice error={templates.error} />
      ) : shown.length === 0 ? (
        <p>No template matches.</p>
      ) : (
        <ul className="grid-cards" aria-label="Templates">
          {shown.map((t) => (
            <li key={t.id} className="card">
              <h2>
                {/* Served by Berth (the UI's policy loads images from Berth only): the logo, or a letter badge. */}
                <img
                  className="template-logo"
                  src={routeUrl('templateLogo', { params: { id: t.id } })}
                  alt=""
                  width={32}
                  height={32}
                  loading="lazy"
                />{' '}
                <Link to={`/templates/${t.id}`}>{t.name}</Link>
              </h2>
              <p>{t.description}</p>
              <small>
                {t.category} · {t.version} · <a href={t.docs}>docs</a>
              </small>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

type Values = Record<string, string | boolean>

/** Parameter values as the API takes them: integers as numbers, booleans as booleans. */
function typedValues(template: Template, values: Values) {
  return Object.fromEntries(
    template.parameters
      .filter((p) => values[p.name] !== undefined)
      .map((p) => [p.name, p.type === 'integer' ? Number(values[p.name]) : values[p.name]!]),
  )
}

/** The form generated from a template's parameters, then what was created with its one-time secrets. */
export function TemplateDeployPage() {
  const { templateId = '' } = useParams()
  const mayWrite = useAbility('write')
  const template = useQuery({
    queryKey: ['template', templateId],
    queryFn: () => call<Template>('template', { params: { id: templateId } }),
  })
  const projects = useProjects()
  if (template.isPending || projects.isPending) return <Loading what="the template" />
  if (template.error || projects.error) return <ErrorNotice error={template.error ?? projects.error} />
  return (
    <section>
      <p>
        <Link to="/templates">Templates</Link>
      </p>
      <h1>{template.data.name}</h1>
      <p>
        {template.data.description} <a href={template.data.docs}>Documentation</a>
      </p>
      {mayWrite ? (
        <DeployForm template={template.data} projects={projects.data.projects} />
      ) : (
        <p>Creating services needs the write ability.</p>
      )}
    </section>
  )
}

function DeployForm({ template, projects }: { template: Template; projects: ProjectListItem[] }) {
  const [project, setProject] = useState(projects[0]?.uuid ?? '')
  const [name, setName] = useState(template.id)
  const [domain, setDomain] = useState('')
  const [deploy, setDeploy] = useState(true)
  const [values, setValues] = useState<Values>(() =>
    Object.fromEntries(
      template.parameters.map((p) => [p.name, typeof p.default === 'boolean' ? p.default : String(p.default)]),
    ),
  )
  const create = useMutation({
    mutationFn: () =>
      call<TemplateDeployment>('deployTemplate', {
        params: { uuid: project, id: template.id },
        body: { name, deploy, parameters: typedValues(template, values), ...(domain && { domain }) },
      }),
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    create.mutate()
  }
  if (create.data) return <Created result={create.data} />
  if (projects.length === 0)
    return (
      <p>
        There is no project yet: <Link to="/projects">create one</Link> first.
      </p>
    )
  const set = (key: string, value: string | boolean) => setValues({ ...values, [key]: value })
  return (
    <form onSubmit={submit} aria-label={`Deploy ${template.name}`}>
      <div className="grid">
        <ProjectSelect projects={projects} value={project} onChange={setProject} />
        <label>
          Service name
          <input required maxLength={63} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        {template.route && (
          <label>
            Domain <small>(optional)</small>
            <input value={domain} placeholder="app.example.com" onChange={(e) => setDomain(e.target.value)} />
            {template.more_routes.length > 0 && (
              <small>
                Also routed: {template.more_routes.map((r) => `${r.subdomain}.<domain> (${r.service})`).join(', ')}
              </small>
            )}
          </label>
        )}
      </div>
      {template.parameters.length > 0 && (
        <fieldset>
          <legend>Parameters</legend>
          {template.parameters.map((p) =>
            p.type === 'boolean' ? (
              <label key={p.name}>
                <input
                  type="checkbox"
                  checked={values[p.name] === true}
                  onChange={(e) => set(p.name, e.target.checked)}
                />{' '}
                {p.name} <small>{p.description}</small>
              </label>
            ) : (
              <label key={p.name}>
                {p.name} <small>{p.description}</small>
                <input
                  type={p.type === 'integer' ? 'number' : 'text'}
                  value={String(values[p.name] ?? '')}
                  onChange={(e) => set(p.name, e.target.value)}
                />
              </label>
            ),
          )}
        </fieldset>
      )}
      {template.secrets.length > 0 && (
        <p>Generated for you and stored encrypted: {template.secrets.map((s) => s.env).join(', ')}.</p>
      )}
      <label>
        <input type="checkbox" checked={deploy} onChange={(e) => setDeploy(e.target.checked)} /> Deploy after creating
      </label>
      <ErrorNotice error={create.error} />
      <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
        Create {template.name}
      </button>
    </form>
  )
}

export function Created({ result }: { result: TemplateDeployment }) {
  return (
    <div>
      <SuccessNotice>
        Created <Link to={`/services/${result.service.uuid}`}>{result.service.name}</Link> from {result.template.id}{' '}
        {result.template.version}.
        {result.deployment_uuid && (
          <>
            {' '}
            <Link to={`/deployments/${result.deployment_uuid}`}>Follow its deployment</Link>.
          </>
        )}
      </SuccessNotice>
      {result.route && (
        <ul aria-label="Routes">
          {[result.route, ...result.more_routes].map((r) => (
            <li key={r.route_id}>
              Route: <code>{r.domain}</code> to {r.compose_service}:{r.port}
            </li>
          ))}
        </ul>
      )}
      {result.secrets.length > 0 && (
        <>
          <h2>Generated secrets</h2>
          <p>Shown this once; they stay in the service's environment, encrypted.</p>
          <dl>
            {result.secrets.map((s) => (
              <div key={s.key}>
                <dt>{s.key}</dt>
                <dd>
                  <SecretValue name={s.key} value={s.value} available={!s.masked} copy />
                </dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </div>
  )
}
