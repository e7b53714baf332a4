import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useNavigate, useParams } from 'react-router'
import { call } from '../../api/client'
import type { AcceptedInvitation, InvitationOffer } from '../../api/team-types'
import '../../admin.css'
import { errorWithCode, fieldError, TextField } from '../../components/Field'
import { ErrorNotice, formatTime, Loading } from '../../components/Notice'

/**
 * Where an invitation link lands, with or without a session: a new user sets a password, an
 * existing one gives theirs; either way they are signed in to the team that invited them.
 */
export function InvitePage() {
  const { token = '' } = useParams()
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const offer = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => call<InvitationOffer>('invitation', { params: { token } }),
    retry: false,
  })
  const [form, setForm] = useState({ email: '', password: '', name: '' })
  const accept = useMutation({
    mutationFn: async () => {
      const accepted = await call<AcceptedInvitation>('acceptInvitation', {
        params: { token },
        body: { email: form.email, password: form.password, ...(form.name && { name: form.name }) },
      })
      await call('login', { body: { email: form.email, password: form.password } })
      // An existing user's session starts in their first team: move it to the one they just joined.
      await call('switchTeam', { body: { team_uuid: accepted.team_uuid } })
      return accepted
    },
    onSuccess: async () => {
      // Whatever was cached belonged to no one or to another user; the spent invitation is not asked again.
      await queryClient.resetQueries({ predicate: (q) => q.queryKey[0] !== 'invitation' })
      navigate('/projects', { replace: true })
    },
  })
  function submit(event: FormEvent) {
    event.preventDefault()
    accept.mutate()
  }
  const passwordError =
    fieldError(accept.error, 'password') ?? errorWithCode(accept.error, ['weak_password', 'unauthorized'])

  return (
    <main className="container login">
      <article>
        <header>
          <h1>⚓ Join a team on Berth</h1>
          {offer.data && (
            <p>
              You are invited to <strong>{offer.data.team_name}</strong> as <strong>{offer.data.role}</strong>. The link
              works once, until {formatTime(offer.data.expires_at)}.
            </p>
          )}
        </header>
        {offer.isPending ? (
          <Loading what="the invitation" />
        ) : offer.error ? (
          <>
            <ErrorNotice error={offer.error} />
            <p>
              Ask a team owner or admin for a new link, or <a href="/">sign in</a>.
            </p>
          </>
        ) : (
          <form onSubmit={submit} aria-label="Accept the invitation">
            <p className="muted">
              New to this Berth? Choose a password of at least 8 characters. Already have an account? Give its e-mail
              and password.
            </p>
            <TextField
              label="E-mail"
              type="email"
              autoComplete="username"
              required
              value={form.email}
              onChange={(email) => setForm({ ...form, email })}
              error={fieldError(accept.error, 'email')}
            />
            <TextField
              label="Password"
              type="password"
              autoComplete="new-password"
              required
              value={form.password}
              onChange={(password) => setForm({ ...form, password })}
              error={passwordError}
            />
            <TextField
              label="Name (optional, for a new account)"
              autoComplete="name"
              maxLength={200}
              value={form.name}
              onChange={(name) => setForm({ ...form, name })}
            />
            {!passwordError && <ErrorNotice error={accept.error} />}
            <button type="submit" aria-busy={accept.isPending} disabled={accept.isPending}>
              Join {offer.data.team_name}
            </button>
          </form>
        )}
      </article>
    </main>
  )
}
