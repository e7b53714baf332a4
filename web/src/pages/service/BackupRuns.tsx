import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { useNavigate } from 'react-router'
import { useAbility } from '../../api/abilities'
import type { BackupRun, BackupRunList } from '../../api/backup-types'
import { call, routeUrl } from '../../api/client'
import { useBackupRunLog } from '../../api/useLogStream'
import { DataTable, RowButton } from '../../components/DataTable'
import { TextField } from '../../components/Field'
import { LogViewer } from '../../components/LogViewer'
import { ErrorNotice, formatTime } from '../../components/Notice'
import { QueryState } from '../../components/QueryState'
import type { BackupOwner } from './BackupsTab'

type Restoring = { run: BackupRun; into: 'same' | 'new' }

/**
 * A database's (or a service's volumes') backup and restore runs: each with its live log, download
 * and restores (a volume's only over itself).
 */
export function BackupRuns({
  owner,
  names,
  mayWrite,
}: {
  owner: BackupOwner
  names: Map<string, string>
  mayWrite: boolean
}) {
  const maySeeData = useAbility('read:sensitive')
  const runs = useQuery({
    queryKey: ['backup-runs', owner.id],
    queryFn: () =>
      call<BackupRunList>(owner.kind === 'database' ? 'backupRuns' : 'volumeBackupRuns', {
        params: { uuid: owner.id },
      }),
    // While a run is queued or running, its outcome is polled.
    refetchInterval: (q) =>
      q.state.data?.runs.some((r) => r.status === 'queued' || r.status === 'in_progress') ? 1000 : false,
  })
  const [logOf, setLogOf] = useState<BackupRun | null>(null)
  const [restoring, setRestoring] = useState<Restoring | null>(null)
  const restorable = (r: BackupRun) => r.kind === 'backup' && r.status === 'succeeded' && !r.pruned
  return (
    <>
      <h2>Runs</h2>
      <QueryState query={runs} what="backup runs">
        {(data) => (
          <DataTable
            label="Backup runs"
            rows={data.runs}
            rowKey={(r) => r.id}
            empty="No backup yet."
            columns={[
              { header: 'Started', cell: (r) => formatTime(r.created_at) },
              { header: 'Kind', cell: (r) => (r.trigger === 'safety' ? 'safety backup' : r.kind) },
              ...(owner.kind === 'volumes' ? [{ header: 'Volume', cell: (r: BackupRun) => r.volume }] : []),
              { header: 'Status', cell: (r) => <span className={`badge status-${r.status}`}>{r.status}</span> },
              { header: 'Trigger', cell: (r) => r.trigger },
              { header: 'Destination', cell: (r) => names.get(r.destination_id) ?? '' },
              { header: 'Size', cell: (r) => (r.size_bytes === null ? '' : `${r.size_bytes} bytes`) },
              {
                header: 'Verified',
                cell: (r) => (r.verified ? (r.restore_verified ? 'yes, and restored' : 'yes') : 'no'),
              },
              { header: 'Message', cell: (r) => r.message ?? (r.pruned ? 'deleted by retention' : '') },
            ]}
            actions={(r) => (
              <>
                <RowButton label="Log" target={formatTime(r.created_at)} secondary onClick={() => setLogOf(r)} />
                {maySeeData && restorable(r) && (
                  // The browser streams the (decrypted) artifact to a file: nothing is held in the page.
                  <a
                    className="outline small"
                    role="button"
                    href={routeUrl('downloadBackupRun', { params: { id: r.id } })}
                    download
                  >
                    Download <span className="visually-hidden">{formatTime(r.created_at)}</span>
                  </a>
                )}
                {mayWrite && restorable(r) && (
                  <>
                    <RowButton
                      label="Restore"
                      target={formatTime(r.created_at)}
                      secondary
                      onClick={() => setRestoring({ run: r, into: 'same' })}
                    />
                    {owner.kind === 'database' && (
                      <RowButton
                        label="Restore into a new database"
                        target={formatTime(r.created_at)}
                        secondary
                        onClick={() => setRestoring({ run: r, into: 'new' })}
                      />
                    )}
                  </>
                )}
              </>
            )}
          />
        )}
      </QueryState>
      {logOf && <RunLog run={logOf} onClose={() => setLogOf(null)} />}
      {restoring?.into === 'same' && (
        <RestoreOver
          run={restoring.run}
          ownerId={owner.id}
          what={restoring.run.volume === null ? 'database' : 'volume'}
          name={restoring.run.volume ?? owner.name}
          onDone={() => setRestoring(null)}
        />
      )}
      {restoring?.into === 'new' && (
        <RestoreIntoNew run={restoring.run} databaseName={owner.name} onDone={() => setRestoring(null)} />
      )}
    </>
  )
}

/** A run's log, following it live while it runs. */
function RunLog({ run, onClose }: { run: BackupRun; onClose: () => void }) {
  const log = useBackupRunLog(run.id)
  return (
    <section aria-label="Run log">
      <h3>
        Log of the {run.kind} of {formatTime(run.created_at)}
        {log.ended ? ` (${log.ended})` : ''}
      </h3>
      {log.error && <p role="alert">{log.error}</p>}
      <LogViewer lines={log.lines} count={log.count} live={log.ended === null} complete={log.ended !== null} />
      <button type="button" className="secondary" onClick={onClose}>
        Close log
      </button>
    </section>
  )
}

/** A restore over the backed-up database or volume, confirmed by typing its name. */
function RestoreOver({
  run,
  ownerId,
  what,
  name,
  onDone,
}: {
  run: BackupRun
  ownerId: string
  what: 'database' | 'volume'
  name: string
  onDone: () => void
}) {
  const queryClient = useQueryClient()
  const [typed, setTyped] = useState('')
  const restore = useMutation({
    mutationFn: () => call<BackupRun>('restoreBackupRun', { params: { id: run.id }, body: { confirm: typed } }),
    onSuccess: async () => {
      onDone()
      await queryClient.invalidateQueries({ queryKey: ['backup-runs', ownerId] })
    },
  })
  return (
    <form
      role="dialog"
      aria-label="Restore backup"
      onSubmit={(e) => {
        e.preventDefault()
        restore.mutate()
      }}
    >
      <p>
        Restoring replaces the data of the {what} <strong>{name}</strong> with the backup of{' '}
        {formatTime(run.created_at)}. Berth takes a safety backup first
        {what === 'volume' ? ' and stops the containers using the volume meanwhile' : ''}.
      </p>
      <TextField
        label={`Type the ${what}'s name to confirm`}
        name="restore-confirm"
        value={typed}
        onChange={setTyped}
      />
      <ErrorNotice error={restore.error} />
      <button type="submit" disabled={typed !== name || restore.isPending}>
        Restore
      </button>{' '}
      <button type="button" className="secondary" onClick={onDone}>
        Cancel
      </button>
    </form>
  )
}

/**
 * Creates a database from the backup (same engine and image, same project); the restore is its
 * first run, followed here with its log. A failed restore removes the new database again, so the
 * page stays here and says why instead of opening a database that is gone.
 */
function RestoreIntoNew({ run, databaseName, onDone }: { run: BackupRun; databaseName: string; onDone: () => void }) {
  const navigate = useNavigate()
  const [name, setName] = useState(`${databaseName}-restored`)
  const [queued, setQueued] = useState<BackupRun | null>(null)
  const restore = useMutation({
    mutationFn: () =>
      call<BackupRun>('restoreBackupRun', { params: { id: run.id }, body: { target: 'new', name: name.trim() } }),
    onSuccess: setQueued,
  })
  const progress = useQuery({
    queryKey: ['backup-run', queued?.id],
    queryFn: () => call<BackupRun>('backupRun', { params: { id: queued!.id } }),
    enabled: queued !== null,
    refetchInterval: (q) => (q.state.data?.status === 'succeeded' || q.state.data?.status === 'failed' ? false : 1000),
  })
  const status = progress.data?.status
  useEffect(() => {
    if (status === 'succeeded' && queued) {
      onDone()
      void navigate(`/databases/${queued.database_id}/backups`)
    }
  }, [status, queued, onDone, navigate])
  if (queued)
    return (
      <section aria-label="Restore into a new database">
        <p>
          Restoring the backup of {formatTime(run.created_at)} into the new database <strong>{name.trim()}</strong>
          {status === 'failed' ? '' : '; its page opens once the restore succeeded.'}
        </p>
        {status === 'failed' && <p role="alert">The restore failed: {progress.data?.message}</p>}
        <RunLog run={queued} onClose={onDone} />
      </section>
    )
  return (
    <form
      role="dialog"
      aria-label="Restore into a new database"
      onSubmit={(e) => {
        e.preventDefault()
        restore.mutate()
      }}
    >
      <p>
        Berth creates a new database from the backup of {formatTime(run.created_at)}, deploys it and restores the backup
        into it. <strong>{databaseName}</strong> is not changed.
      </p>
      <TextField label="New database's name" name="restore-new-name" value={name} onChange={setName} />
      <ErrorNotice error={restore.error} />
      <button type="submit" disabled={name.trim() === '' || restore.isPending}>
        Create and restore
      </button>{' '}
      <button type="button" className="secondary" onClick={onDone}>
        Cancel
      </button>
    </form>
  )
}
