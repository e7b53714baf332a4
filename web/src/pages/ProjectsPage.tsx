import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link, useNavigate } from 'react-router'
import { useAbility } from '../api/abilities'
import { call } from '../api/client'
import { useProjects } from '../api/queries'
import type { Project } from '../api/types'
import { ErrorNotice, formatTime, Loading } from '../components/Notice'

export function ProjectsPage() {
  const mayWrite = useAbility('write')
  const projects = useProjects()
  return (
    <section>
      <h1>Projects</h1>
      {projects.isPending ? (
        <Loading what="projects" />
      ) : projects.error ? (
        <ErrorNotice error={projects.error} />
      ) : projects.data.projects.length === 0 ? (
        <p>No projects yet.{mayWrite && ' Create the first one below.'}</p>
      ) : (
        <div className="grid-cards">
          {projects.data.projects.map((p) => (
            <article key={p.uuid} className="card">
              <h2>
                <Link to={`/projects/${p.uuid}`}>{p.name}</Link>
              </h2>
              {p.description && <p>{p.description}</p>}
              <small>
                {count(p.service_count, 'service')} · {count(p.database_count, 'database')} · updated{' '}
                {formatTime(p.updated_at)}
              </small>
            </article>
          ))}
        </div>
      )}
      {mayWrite && <CreateProject />}
    </section>
  )
}

function CreateProject() {
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const create = useMutation({
    mutationFn: () => call<Project>('createProject', { body: { name, ...(description && { description }) } }),
    onSuccess: async (project) => {
      await queryClient.invalidateQueries({ queryKey: ['projects'] })
      navigate(`/projects/${project.uuid}`)
    },
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    create.mutate()
  }
  return (
    <form onSubmit={submit} aria-labelledby="new-project">
      <h2 id="new-project">New project</h2>
      <div className="grid">
        <label>
          Project name
          <input name="name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Description <small>(optional)</small>
          <input
            name="description"
            maxLength={2000}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </label>
      </div>
      <ErrorNotice error={create.error} />
      <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
        Create project
      </button>
    </form>
  )
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`
