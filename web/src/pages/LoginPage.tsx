import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { call } from '../api/client'
import { ErrorNotice } from '../components/Notice'

const CREATE_ADMIN = "echo 'a-long-password' | npx berth user create --email you@example.com --password-stdin --admin"

export function LoginPage({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const status = useQuery({ queryKey: ['auth-status'], queryFn: () => call<{ setup_required: boolean }>('authStatus') })
  const login = useMutation({ mutationFn: () => call('login', { body: { email, password } }), onSuccess: onLoggedIn })

  function submit(event: FormEvent) {
    event.preventDefault()
    login.mutate()
  }

  return (
    <main className="container login">
      <article>
        <header>
          <h1>⚓ Berth</h1>
          <p>Sign in to manage your Compose deployments.</p>
        </header>
        {status.data?.setup_required && (
          <section aria-labelledby="first-run" className="first-run">
            <h2 id="first-run">First run: no user exists yet</h2>
            <p>Create the first administrator on the machine Berth runs on, then sign in here:</p>
            <pre>
              <code>{CREATE_ADMIN}</code>
            </pre>
            <p>
              Or set <code>BERTH_ADMIN_EMAIL</code> and <code>BERTH_ADMIN_PASSWORD</code> before starting Berth.
            </p>
          </section>
        )}
        <form onSubmit={submit} aria-label="Sign in">
          <label>
            E-mail
            <input
              type="email"
              name="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              autoFocus
            />
          </label>
          <label>
            Password
            <input
              type="password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <ErrorNotice error={login.error} />
          <button type="submit" aria-busy={login.isPending} disabled={login.isPending}>
            Sign in
          </button>
        </form>
      </article>
    </main>
  )
}
