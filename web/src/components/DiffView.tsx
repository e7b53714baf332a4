import { html } from 'diff2html'
import { ColorSchemeType } from 'diff2html/lib-esm/types'
import 'diff2html/bundles/css/diff2html.min.css'
import { useMemo } from 'react'

type Props = { diff: string; layout: 'side-by-side' | 'line-by-line' }

/** Renders a unified diff (as the API returns it) with diff2html, side by side or unified. */
export function DiffView({ diff, layout }: Props) {
  // diff2html escapes the file content it renders, so the HTML is safe to insert.
  const markup = useMemo(
    () =>
      html(diff, { outputFormat: layout, drawFileList: false, matching: 'lines', colorScheme: ColorSchemeType.AUTO }),
    [diff, layout],
  )
  return <div className="diff-view" data-testid="diff-view" dangerouslySetInnerHTML={{ __html: markup }} />
}
