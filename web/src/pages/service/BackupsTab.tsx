import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { Link } from 'react-router'
import { useAbility } from '../../api/abilities'
import type { BackupDestinationList, BackupJob, BackupJobList, BackupRun } from '../../api/backup-types'
import { call } from '../../api/client'
import { useBackupDestinations } from '../../api/queries'
import { DataTable, RowButton } from '../../components/DataTable'
import { Field, TextField } from '../../components/Field'
import { ErrorNotice } from '../../components/Notice'
import { QueryState } from '../../components/QueryState'
import { BackupRuns } from './BackupRuns'

/**
 * Whose backups a tab shows: a database, or the named volumes of a plain compose service (those on
 * its server); both have jobs, runs and restores through the same routes.
 */
export type BackupOwner =
  | { kind: 'database'; id: string; name: string }
  | { kind: 'volumes'; id: string; name: string; volumes: string[] }

/** A database's or a service's volumes' backups: jobs, a backup now, the runs (polled while one is running) and restore. */
export function BackupsTab({ owner }: { owner: BackupOwner }) {
  const mayWrite = useAbility('write')
  const destinations = useBackupDestinations()
  const names = new Map((destinations.data?.destinations ?? []).map((d) => [d.id, d.name]))
  return (
    <>
      <Jobs owner={owner} names={names} mayWrite={mayWrite} />
      {mayWrite && destinations.data && <AddJob owner={owner} destinations={destinations.data.destinations} />}
      <BackupRuns owner={owner} names={names} mayWrite={mayWrite} />
    </>
  )
}

function Jobs({ owner, names, mayWrite }: { owner: BackupOwner; names: Map<string, string>; mayWrite: boolean }) {
  const queryClient = useQueryClient()
  const jobs = useQuery({
    queryKey: ['backup-jobs', owner.id],
    queryFn: () =>
      call<BackupJobList>(owner.kind === 'database' ? 'backupJobs' : 'volumeBackupJobs', {
        params: { uuid: owner.id },
      }),
  })
  const run = useMutation({
    mutationFn: (j: BackupJob) => call<BackupRun>('runBackupJob', { params: { id: j.id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['backup-runs', owner.id] }),
  })
  const remove = useMutation({
    mutationFn: (j: BackupJob) => call('deleteBackupJob', { params: { id: j.id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['backup-jobs', owner.id] }),
  })
  const destination = (j: BackupJob) => names.get(j.destination_id) ?? j.destination_id
  const label = (j: BackupJob) => `${j.volume === null ? '' : `${j.volume} to `}${destination(j)}`
  return (
    <>
      <h2>Backup jobs</h2>
      <QueryState query={jobs} what="backup jobs">
        {(data) => (
          <DataTable
            label="Backup jobs"
            rows={data.jobs}
            rowKey={(j) => j.id}
            empty={
              owner.kind === 'database'
                ? 'No backup job: this database is not backed up.'
                : 'No backup job: no volume of this service is backed up.'
            }
            columns={[
              ...(owner.kind === 'volumes' ? [{ header: 'Volume', cell: (j: BackupJob) => j.volume }] : []),
              { header: 'Destination', cell: destination },
              { header: 'Schedule', cell: (j) => (j.schedule ? <code>{j.schedule}</code> : 'on request') },
              {
                header: 'Keeps',
                cell: (j) =>
                  [j.keep_last && `last ${j.keep_last}`, j.keep_days && `${j.keep_days} days`]
                    .filter(Boolean)
                    .join(', ') || 'all',
              },
              { header: 'Encrypted', cell: (j) => (j.encrypt ? 'yes' : 'no') },
              { header: 'Enabled', cell: (j) => (j.enabled ? 'yes' : 'no') },
            ]}
            actions={
              mayWrite
                ? (j) => (
                    <>
                      <RowButton label="Back up now" target={label(j)} onClick={() => run.mutate(j)} />
                      <RowButton label="Remove job" target={label(j)} secondary onClick={() => remove.mutate(j)} />
                    </>
                  )
                : undefined
            }
          />
        )}
      </QueryState>
      <ErrorNotice error={run.error ?? remove.error} />
    </>
  )
}

function AddJob({ owner, destinations }: { owner: BackupOwner; destinations: BackupDestinationList['destinations'] }) {
  const queryClient = useQueryClient()
  const [destination, setDestination] = useState('')
  const [volume, setVolume] = useState('')
  // Any image the server has with sh, tar and find; the CLI's default.
  const [helperImage, setHelperImage] = useState('busybox:1.36')
  const [schedule, setSchedule] = useState('0 3 * * *')
  const [keepLast, setKeepLast] = useState('7')
  const [encrypt, setEncrypt] = useState(true)
  const [verifyRestore, setVerifyRestore] = useState(false)
  const create = useMutation({
    mutationFn: () => {
      const body = {
        destination_id: destination || destinations[0]!.id,
        schedule: schedule.trim() === '' ? null : schedule.trim(),
        keep_last: keepLast === '' ? null : Number(keepLast),
        encrypt,
      }
      return owner.kind === 'database'
        ? call<BackupJob>('createBackupJob', {
            params: { uuid: owner.id },
            body: { ...body, verify_restore: verifyRestore },
          })
        : call<BackupJob>('createVolumeBackupJob', {
            params: { uuid: owner.id },
            body: { ...body, volume: volume || owner.volumes[0]!, helper_image: helperImage.trim() },
          })
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['backup-jobs', owner.id] }),
  })
  if (destinations.length === 0)
    return (
      <p className="muted">
        Add a destination under <Link to="/team/backup-destinations">Team › Backup destinations</Link> first.
      </p>
    )
  if (owner.kind === 'volumes' && owner.volumes.length === 0) return null
  function submit(event: FormEvent) {
    event.preventDefault()
    create.mutate()
  }
  return (
    <form onSubmit={submit} aria-labelledby="job-new">
      <h2 id="job-new">Add a backup job</h2>
      {owner.kind === 'volumes' && (
        <>
          <Field label="Volume">
            {(control) => (
              <select {...control} value={volume} onChange={(e) => setVolume(e.target.value)}>
                {owner.volumes.map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <TextField
            label="Helper image"
            name="job-helper-image"
            value={helperImage}
            onChange={setHelperImage}
            hint="An image the server already has, with sh, tar and find: it archives the volume."
          />
        </>
      )}
      <Field label="Destination">
        {(control) => (
          <select {...control} value={destination} onChange={(e) => setDestination(e.target.value)}>
            {destinations.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <TextField
        label="Schedule"
        name="job-schedule"
        value={schedule}
        onChange={setSchedule}
        hint="A cron expression; empty: on request only."
      />
      <TextField
        label="Keep the last"
        name="job-keep-last"
        inputMode="numeric"
        value={keepLast}
        onChange={setKeepLast}
        hint="Older backups are deleted after a new one succeeds."
      />
      <label>
        <input type="checkbox" checked={encrypt} onChange={(e) => setEncrypt(e.target.checked)} />
        Encrypt the backups (the storage provider cannot read them)
      </label>
      {owner.kind === 'database' && (
        <label>
          <input type="checkbox" checked={verifyRestore} onChange={(e) => setVerifyRestore(e.target.checked)} />
          Verify each backup by restoring it into a throw-away server (PostgreSQL, MariaDB, MySQL, Redis)
        </label>
      )}
      <ErrorNotice error={create.error} />
      <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
        Add job
      </button>
    </form>
  )
}
