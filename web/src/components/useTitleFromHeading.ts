import { useEffect } from 'react'

const PRODUCT = 'Berth'

/**
 * The browser tab says which page it is: "<the page's h1> · Berth". Pages render their heading
 * after their data arrives, so the title follows the heading as it changes rather than being set
 * once per route.
 */
export function useTitleFromHeading(): void {
  useEffect(() => {
    const update = () => {
      const heading = document.querySelector('main h1')?.textContent?.replace(/\s+/g, ' ').trim()
      const title = heading ? `${heading} · ${PRODUCT}` : PRODUCT
      if (document.title !== title) document.title = title
    }
    const observer = new MutationObserver(update)
    observer.observe(document.body, { subtree: true, childList: true, characterData: true })
    update()
    return () => observer.disconnect()
  }, [])
}
