import { useId, type InputHTMLAttributes, type ReactNode } from 'react'
import { ApiError } from '../api/client'

/**
 * The API's complaint about one form field, or undefined. Validation issues name paths such as
 * `body.change.data.domain`; services name the field in `details.field`.
 */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined
  if (error.details?.field === field) return error.message
  const issue = error.issues.find(
    (i) =>
      i.path === field ||
      i.path.endsWith(`.${field}`) ||
      i.path.includes(`.${field}.`) ||
      i.path.startsWith(`${field}.`),
  )
  return issue && `${issue.path.split('.').slice(-1)[0] === field ? '' : `${issue.path}: `}${issue.message}`
}

/** The API's message when its error code is one of `codes` (errors that concern one field but do not name it). */
export function errorWithCode(error: unknown, codes: string[]): string | undefined {
  return error instanceof ApiError && codes.includes(error.code) ? error.message : undefined
}

type FieldProps = {
  label: string
  error?: string
  hint?: ReactNode
  children: (control: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode
}

/** A label, its control and the API's error for it, announced and linked to the control. */
export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId()
  const errorId = `${id}-error`
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(error && { 'aria-invalid': true as const, 'aria-describedby': errorId }) })}
      {error ? (
        <small id={errorId} className="field-error" role="alert">
          {error}
        </small>
      ) : (
        hint && <small className="muted">{hint}</small>
      )}
    </div>
  )
}

type TextFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> & {
  label: string
  value: string
  onChange: (value: string) => void
  error?: string
  hint?: ReactNode
}

/** A text input inside a Field. */
export function TextField({ label, value, onChange, error, hint, ...input }: TextFieldProps) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(control) => <input {...input} {...control} value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  )
}
