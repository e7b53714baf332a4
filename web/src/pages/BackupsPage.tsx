import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useAbility } from '../api/abilities'
import { call, routeUrl } from '../api/client'
import type { Backup } from '../api/admin-types'
import '../admin.css'
import { DataTable } from '../components/DataTable'
import { ErrorNotice, formatBytes, formatTime, SuccessNotice } from '../components/Notice'
import { QueryState } from '../components/QueryState'

export function BackupsPage() {
  const isRoot = useAbility('instance')
  return (
    <section>
      <h1>Backups</h1>
      {isRoot ? (
        <BackupList />
      ) : (
        <p role="status">Backups hold every team's data, so they are for instance administrators. Ask one.</p>
      )}
    </section>
  )
}

function BackupList() {
  const queryClient = useQueryClient()
  const backups = useQuery({ queryKey: ['backups'], queryFn: () => call<{ backups: Backup[] }>('backups') })
  const create = useMutation({
    mutationFn: () => call<Backup>('createBackup'),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['backups'] }),
  })
  return (
    <>
      <p className="muted">
        A backup is a verified, compressed copy of Berth's database (projects, versions, encrypted secrets, audit log).
      </p>
      <button type="button" onClick={() => create.mutate()} aria-busy={create.isPending} disabled={create.isPending}>
        Back up now
      </button>
      <ErrorNotice error={create.error} />
      {create.data && <SuccessNotice>Backup {create.data.file_name} taken and verified.</SuccessNotice>}
      <QueryState query={backups} what="backups">
        {(data) => (
          <DataTable
            label="Backups, newest first"
            rows={data.backups}
            rowKey={(b) => b.id}
            empty="No backups yet."
            columns={[
              { header: 'Taken', cell: (b) => formatTime(b.started_at) },
              {
                header: 'Status',
                cell: (b) => (
                  <span className={b.status === 'failed' ? 'field-error' : undefined} title={b.error ?? undefined}>
                    {b.status}
                    {b.verified && ', verified'}
                  </span>
                ),
              },
              { header: 'Trigger', cell: (b) => b.trigger },
              { header: 'Size', cell: (b) => (b.size_bytes === null ? '—' : formatBytes(b.size_bytes)) },
              {
                header: 'File',
                cell: (b) =>
                  b.status === 'succeeded' ? (
                    <a href={routeUrl('downloadBackup', { params: { id: b.id } })} download={b.file_name}>
                      {b.file_name}
                    </a>
                  ) : (
                    b.file_name
                  ),
              },
            ]}
          />
        )}
      </QueryState>
    </>
  )
}
