import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useNavigate } from 'react-router'
import { call } from '../../api/client'
import type { Project, ProjectDetail } from '../../api/types'
import { errorWithCode, fieldError, TextField } from '../../components/Field'
import { ErrorNotice, SuccessNotice } from '../../components/Notice'
import { ServerSelect } from '../../components/ServerSelect'

/** A project's name, description and default server, and its deletion (confirmed by typing its name). */
export function ProjectSettings({ project }: { project: ProjectDetail }) {
  const client = useQueryClient()
  const navigate = useNavigate()
  const [name, setName] = useState(project.name)
  const [description, setDescription] = useState(project.description ?? '')
  const [defaultServer, setDefaultServer] = useState(project.default_server_uuid ?? '')
  const [typed, setTyped] = useState('')
  const [deleteVolumes, setDeleteVolumes] = useState(false)
  const save = useMutation({
    mutationFn: () =>
      call<Project>('updateProject', {
        params: { uuid: project.uuid },
        body: {
          name,
          description,
          // Sent only when changed, so the audit row of a rename does not claim a server change.
          ...(defaultServer !== (project.default_server_uuid ?? '') && { default_server_uuid: defaultServer || null }),
        },
      }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['project', project.uuid] })
      void client.invalidateQueries({ queryKey: ['projects'] })
    },
  })
  const remove = useMutation({
    mutationFn: () =>
      call('deleteProject', {
        params: { uuid: project.uuid },
        query: { delete_volumes: deleteVolumes ? 'true' : 'false' },
      }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['projects'] })
      void navigate('/projects')
    },
  })
  const onSave = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  const onDelete = (e: FormEvent) => {
    e.preventDefault()
    remove.mutate()
  }
  return (
    <>
      <section aria-labelledby="project-settings-title">
        <h2 id="project-settings-title">Settings</h2>
        <form onSubmit={onSave}>
          <TextField label="Name" value={name} onChange={setName} required error={fieldError(save.error, 'name')} />
          <label>
            Description
            <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={3} />
          </label>
          <ServerSelect
            label="Default server for new services and databases"
            value={defaultServer}
            onChange={setDefaultServer}
            error={fieldError(save.error, 'default_server_uuid') ?? errorWithCode(save.error, ['unknown_server'])}
          />
          <button type="submit" aria-busy={save.isPending}>
            Save
          </button>
          {save.isSuccess && <SuccessNotice>Saved.</SuccessNotice>}
          {save.error && !fieldError(save.error, 'name') && !errorWithCode(save.error, ['unknown_server']) && (
            <ErrorNotice error={save.error} />
          )}
        </form>
      </section>
      <section aria-labelledby="project-delete-title" className="danger-zone">
        <h2 id="project-delete-title">Delete this project</h2>
        <p>
          Its {project.services.length} services and databases, domains, routes and middlewares are deleted, and what
          they run is taken down. This cannot be undone.
        </p>
        <form onSubmit={onDelete}>
          <TextField
            label={`Type the project's name (${project.name}) to confirm`}
            value={typed}
            onChange={setTyped}
            autoComplete="off"
          />
          <label>
            <input type="checkbox" checked={deleteVolumes} onChange={(e) => setDeleteVolumes(e.target.checked)} />
            Also delete the named volumes (their data)
          </label>
          <button type="submit" className="danger" disabled={typed !== project.name} aria-busy={remove.isPending}>
            Delete project
          </button>
          {remove.error && <ErrorNotice error={remove.error} />}
        </form>
      </section>
    </>
  )
}
