import { useMutation } from '@tanstack/react-query'
import { useState, type ChangeEvent, type FormEvent } from 'react'
import { Link } from 'react-router'
import { call } from '../api/client'
import { useProjects } from '../api/queries'
import type { TemplateImport } from '../api/types'
import { ErrorNotice, Loading } from '../components/Notice'
import { ProjectSelect } from '../components/ProjectSelect'
import { Created } from './TemplatesPage'

/** Reads an uploaded file into a text field. */
function readInto(set: (text: string) => void) {
  return async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0]
    if (file) set(await file.text())
  }
}

/** Upload (or paste) a Coolify compose file or a Dokploy compose file with its template.toml; preview the report, then create. */
export function TemplateImportPage() {
  const projects = useProjects()
  const [project, setProject] = useState('')
  const [name, setName] = useState('')
  const [format, setFormat] = useState<'coolify' | 'dokploy'>('coolify')
  const [compose, setCompose] = useState('')
  const [toml, setToml] = useState('')
  const [domain, setDomain] = useState('')
  const send = (dryRun: boolean) =>
    call<TemplateImport>('importTemplate', {
      params: { uuid: project || projects.data?.projects[0]?.uuid || '' },
      body: {
        format,
        name,
        compose,
        dry_run: dryRun,
        ...(format === 'dokploy' && { template_toml: toml }),
        ...(domain && { domain }),
      },
    })
  const preview = useMutation({ mutationFn: () => send(true) })
  const create = useMutation({ mutationFn: () => send(false) })
  if (projects.isPending) return <Loading what="projects" />
  if (projects.error) return <ErrorNotice error={projects.error} />
  if (create.data?.result) return <Created result={create.data.result} />
  const report = (create.data ?? preview.data)?.report
  function submit(event: FormEvent) {
    event.preventDefault()
    preview.mutate()
  }
  return (
    <section>
      <p>
        <Link to="/templates">Templates</Link>
      </p>
      <h1>Import a template</h1>
      <form onSubmit={submit} aria-label="Import a template">
        <div className="grid">
          <ProjectSelect projects={projects.data.projects} value={project} onChange={setProject} />
          <label>
            Service name
            <input required maxLength={63} value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            Format
            <select value={format} onChange={(e) => setFormat(e.target.value as 'coolify' | 'dokploy')}>
              <option value="coolify">Coolify service template</option>
              <option value="dokploy">Dokploy template</option>
            </select>
          </label>
          <label>
            Domain <small>(optional)</small>
            <input value={domain} onChange={(e) => setDomain(e.target.value)} />
          </label>
        </div>
        <label>
          Upload the compose file
          <input type="file" accept=".yml,.yaml" onChange={readInto(setCompose)} />
        </label>
        <textarea
          aria-label="Compose file"
          required
          rows={10}
          value={compose}
          onChange={(e) => setCompose(e.target.value)}
        />
        {format === 'dokploy' && (
          <>
            <label>
              Upload template.toml
              <input type="file" accept=".toml" onChange={readInto(setToml)} />
            </label>
            <textarea
              aria-label="template.toml"
              required
              rows={8}
              value={toml}
              onChange={(e) => setToml(e.target.value)}
            />
          </>
        )}
        <ErrorNotice error={preview.error ?? create.error} />
        <button type="submit" className="secondary" aria-busy={preview.isPending}>
          Preview the conversion
        </button>{' '}
        {preview.data && (
          <button
            type="button"
            onClick={() => create.mutate()}
            aria-busy={create.isPending}
            disabled={create.isPending}
          >
            Import and create {name}
          </button>
        )}
      </form>
      {report && (
        <section aria-label="Conversion report">
          <h2>Conversion report</h2>
          <ul>
            {report.converted.map((line) => (
              <li key={`c-${line}`}>Converted: {line}</li>
            ))}
            {report.not_converted.map((line) => (
              <li key={`n-${line}`}>Not converted: {line}</li>
            ))}
            {report.warnings.map((line) => (
              <li key={`w-${line}`}>Warning: {line}</li>
            ))}
          </ul>
        </section>
      )}
    </section>
  )
}
