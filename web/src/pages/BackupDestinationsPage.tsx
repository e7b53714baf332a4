import { useMutation, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { Link } from 'react-router'
import { useAbility } from '../api/abilities'
import type { BackupDestination, BackupDestinationCheck } from '../api/backup-types'
import { call } from '../api/client'
import { useBackupDestinations } from '../api/queries'
import { DataTable, RowButton } from '../components/DataTable'
import { fieldError, TextField } from '../components/Field'
import { ErrorNotice, SuccessNotice } from '../components/Notice'
import { QueryState } from '../components/QueryState'

/** Team settings: where database backups go (S3-compatible buckets, directories on the server). */
export function BackupDestinationsPage() {
  const mayWrite = useAbility('write')
  return (
    <section>
      <p className="muted">
        <Link to="/team">Team</Link> / Backup destinations
      </p>
      <h1>Backup destinations</h1>
      <Destinations mayWrite={mayWrite} />
      {mayWrite && <AddS3Destination />}
    </section>
  )
}

function Destinations({ mayWrite }: { mayWrite: boolean }) {
  const queryClient = useQueryClient()
  const list = useBackupDestinations()
  const [checked, setChecked] = useState<{ name: string; result: BackupDestinationCheck } | null>(null)
  const check = useMutation({
    mutationFn: (d: BackupDestination) =>
      call<BackupDestinationCheck>('checkBackupDestination', { params: { id: d.id } }),
    onSuccess: (result, d) => setChecked({ name: d.name, result }),
  })
  const remove = useMutation({
    mutationFn: (d: BackupDestination) => call('deleteBackupDestination', { params: { id: d.id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['backup-destinations'] }),
  })
  return (
    <>
      <QueryState query={list} what="backup destinations">
        {(data) => (
          <DataTable
            label="Backup destinations"
            rows={data.destinations}
            rowKey={(d) => d.id}
            empty="No destinations yet: databases cannot be backed up."
            columns={[
              { header: 'Name', cell: (d) => d.name },
              { header: 'Kind', cell: (d) => d.kind },
              {
                header: 'Where',
                cell: (d) =>
                  d.s3 ? (
                    <code>
                      {d.s3.bucket}/{d.s3.prefix} at {d.s3.endpoint ?? 'AWS'}
                    </code>
                  ) : (
                    <code>{d.directory?.path}</code>
                  ),
              },
            ]}
            actions={
              mayWrite
                ? (d) => (
                    <>
                      <RowButton label="Check" target={d.name} onClick={() => check.mutate(d)} busy={check.isPending} />
                      <RowButton label="Remove" target={d.name} secondary onClick={() => remove.mutate(d)} />
                    </>
                  )
                : undefined
            }
          />
        )}
      </QueryState>
      {checked &&
        (checked.result.ok ? (
          <SuccessNotice>
            {checked.name}: write, read back and delete all worked ({checked.result.destination}).
          </SuccessNotice>
        ) : (
          <article className="notice error" role="alert">
            {checked.name}:{' '}
            {checked.result.steps
              .filter((s) => !s.ok)
              .map((s) => `${s.step} failed: ${s.error}`)
              .join('; ')}
          </article>
        ))}
      <ErrorNotice error={check.error ?? remove.error} />
    </>
  )
}

function AddS3Destination() {
  const queryClient = useQueryClient()
  const [name, setName] = useState('')
  const [endpoint, setEndpoint] = useState('')
  const [region, setRegion] = useState('us-east-1')
  const [bucket, setBucket] = useState('')
  const [prefix, setPrefix] = useState('')
  const [pathStyle, setPathStyle] = useState(true)
  const [accessKey, setAccessKey] = useState('')
  const [secretKey, setSecretKey] = useState('')
  const create = useMutation({
    mutationFn: () =>
      call<BackupDestination>('createBackupDestination', {
        body: {
          kind: 's3',
          name,
          s3: {
            ...(endpoint && { endpoint }),
            region,
            bucket,
            prefix,
            path_style: pathStyle,
            access_key_id: accessKey,
          },
          secret_access_key: secretKey,
        },
      }),
    onSuccess: async () => {
      setName('')
      setSecretKey('')
      await queryClient.invalidateQueries({ queryKey: ['backup-destinations'] })
    },
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    create.mutate()
  }
  return (
    <form onSubmit={submit} aria-labelledby="destination-new">
      <h2 id="destination-new">Add an S3-compatible destination</h2>
      <TextField
        label="Destination name"
        name="destination-name"
        required
        value={name}
        onChange={setName}
        error={fieldError(create.error, 'name')}
      />
      <TextField
        label="Endpoint"
        name="destination-endpoint"
        type="url"
        value={endpoint}
        onChange={setEndpoint}
        hint="Empty for AWS S3; e.g. https://minio.example.com"
      />
      <TextField label="Region" name="destination-region" value={region} onChange={setRegion} />
      <TextField label="Bucket" name="destination-bucket" required value={bucket} onChange={setBucket} />
      <TextField label="Path prefix" name="destination-prefix" value={prefix} onChange={setPrefix} />
      <label>
        <input type="checkbox" checked={pathStyle} onChange={(e) => setPathStyle(e.target.checked)} />
        Path-style URLs (MinIO and most self-hosted servers)
      </label>
      <TextField label="Access key" name="destination-access-key" required value={accessKey} onChange={setAccessKey} />
      <TextField
        label="Secret key"
        name="destination-secret-key"
        type="password"
        autoComplete="off"
        required
        value={secretKey}
        onChange={setSecretKey}
        hint="Stored encrypted; never shown again."
      />
      <ErrorNotice error={create.error} />
      <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
        Add destination
      </button>
    </form>
  )
}
