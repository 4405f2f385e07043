// Reading many objects in one pass: a container view plus
// RetrievePropertiesEx, following continuation tokens. The next page is
// requested as soon as its token is read, so one page is decoded while the
// next is on the wire.
import type { PageHandlers, VimClient } from './client.js';
import { ref, text, texts } from './envelope.js';
import { isFault } from './soap-fault.js';
import type { ManagedObjectReference, ObjectContent } from './types.js';
import type { FragmentCache } from './xml/fragment-reader.js';
import type { Spec } from './xml/spec.js';
import { VdriftError } from '../model/vdrift-error.js';

/** The type and property paths to read for objects of one type. */
export interface PropertySpec {
  type: string;
  pathSet: readonly string[];
}

export interface RetrieveOptions {
  maxObjects: number;
  /** Upper bound on pages, so a server that keeps returning tokens cannot loop us forever. */
  maxPages: number;
  value?: Spec;
  /** Serves objects whose bytes did not change since they were last decoded. */
  cache?: FragmentCache;
}

/**
 * Handles an object as soon as it is decoded and returns what to do with it
 * once its page has been read to the end. Work done early lets the decoded
 * tree die young instead of waiting in memory for the rest of the page.
 */
export type ObjectHandler = (content: ObjectContent, cacheKey: string | null) => () => void;

export interface RetrieveSummary {
  pages: number;
  objects: number;
}

/** Raised when pagination stops midway; objects already handed over were real, the rest is unknown. */
export class IncompleteRetrievalError extends VdriftError {
  constructor(
    message: string,
    readonly pagesRead: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Builds the PropertyFilterSpec that reads `propSet` for every object of a container view. */
export function viewFilterSpec(view: ManagedObjectReference, propSet: readonly PropertySpec[]): string {
  const props = propSet.map((spec) => `<propSet>${text('type', spec.type)}${texts('pathSet', spec.pathSet)}</propSet>`).join('');
  const traversal =
    '<selectSet xsi:type="TraversalSpec">' + text('name', 'traverseView') + text('type', 'ContainerView') + text('path', 'view') + text('skip', false) + '</selectSet>';
  const objectSet = `<objectSet>${ref('obj', view)}${text('skip', true)}${traversal}</objectSet>`;
  return `<specSet>${props}${objectSet}</specSet>`;
}

/**
 * Creates a container view over `types` below the root folder, reads
 * `propSet` for every object in it page by page, and destroys the view.
 */
export async function retrieveFromView(
  client: VimClient,
  types: readonly string[],
  propSet: readonly PropertySpec[],
  onObject: ObjectHandler,
  options: RetrieveOptions,
): Promise<RetrieveSummary> {
  const view = await client.createContainerView(client.serviceContent.rootFolder, types, true);
  let result: RetrieveSummary | undefined;
  let failure: unknown;
  try {
    result = await retrieveAll(client, viewFilterSpec(view, propSet), onObject, options);
    return result;
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    await destroyView(client, view, failure);
  }
}

async function destroyView(client: VimClient, view: ManagedObjectReference, failure: unknown): Promise<void> {
  try {
    await client.destroyView(view);
  } catch (err) {
    if (failure === undefined) {
      throw err;
    }
    // The original error matters more; keep the cleanup failure beside it.
    (failure as { cleanupError?: unknown }).cleanupError = err;
  }
}

/**
 * Objects of one page, held until the page has been read to its end: a page
 * whose body is cut, malformed or over the size limit contributes nothing,
 * so half a page is never taken for the truth.
 */
class StagedPage {
  private readonly items: ({ accept: () => void } | { reusedKey: string })[] = [];

  handlers(onObject: ObjectHandler, onToken: (token: string) => void, cache: FragmentCache | undefined): PageHandlers {
    const items = this.items;
    return {
      onObject: (content, cacheKey) => items.push({ accept: prepared(onObject, content, cacheKey) }),
      onToken,
      ...(cache ? { cache: { has: (key: string) => cache.has(key), reuse: (key: string) => items.push({ reusedKey: key }) } } : {}),
    };
  }

  /** Hands the page's objects over in the order they arrived; returns how many. */
  commit(cache: FragmentCache | undefined): number {
    for (const item of this.items) {
      if ('reusedKey' in item) {
        cache!.reuse(item.reusedKey);
      } else {
        item.accept();
      }
    }
    return this.items.length;
  }
}

/** Runs the early part of a handler; an object it rejects fails the page when the page is handed over, as before any early work. */
function prepared(onObject: ObjectHandler, content: ObjectContent, cacheKey: string | null): () => void {
  try {
    return onObject(content, cacheKey);
  } catch (err) {
    return () => {
      throw err;
    };
  }
}

/** Runs RetrievePropertiesEx and every ContinueRetrievePropertiesEx its tokens call for. */
export async function retrieveAll(
  client: VimClient,
  specSet: string,
  onObject: ObjectHandler,
  options: RetrieveOptions,
): Promise<RetrieveSummary> {
  const summary: RetrieveSummary = { pages: 0, objects: 0 };
  const pages: { staged: StagedPage; done: Promise<void> }[] = [];
  const tokens: string[] = [];

  // A page may fail while an earlier one is still being decoded. The no-op
  // catch keeps that rejection from counting as unhandled until the loop awaits it.
  const start = (call: (handlers: PageHandlers) => Promise<void>): void => {
    const staged = new StagedPage();
    const handlers = staged.handlers(onObject, (token) => start((next) => continuePage(client, token, tokens, options, next)), options.cache);
    const done = call(handlers);
    done.catch(() => {});
    pages.push({ staged, done });
  };

  start((handlers) => client.retrievePropertiesEx(specSet, options.maxObjects, handlers, options.value));
  for (let i = 0; i < pages.length; i += 1) {
    try {
      await pages[i]!.done;
      // The handler may reject an object too, for example one that shows an expired session.
      summary.objects += pages[i]!.staged.commit(options.cache);
    } catch (err) {
      await Promise.allSettled(pages.slice(i + 1).map((page) => page.done));
      await cancelQuietly(client, tokens[tokens.length - 1] ?? null);
      throw summary.objects > 0 ? asIncomplete(err, i, client.transport.target) : err;
    }
    summary.pages = i + 1;
  }
  return summary;
}

function continuePage(client: VimClient, token: string, tokens: string[], options: RetrieveOptions, handlers: PageHandlers): Promise<void> {
  const target = client.transport.target;
  if (tokens.includes(token)) {
    return Promise.reject(new IncompleteRetrievalError(`${target} returned continuation token ${token} twice`, tokens.length));
  }
  tokens.push(token);
  if (tokens.length >= options.maxPages) {
    return Promise.reject(new IncompleteRetrievalError(`${target} still returned a continuation token after ${options.maxPages} pages`, tokens.length));
  }
  return client.continueRetrievePropertiesEx(token, handlers, options.value);
}

function asIncomplete(err: unknown, pagesRead: number, target: string): unknown {
  if (err instanceof IncompleteRetrievalError || isFault(err, 'NotAuthenticated')) {
    return err;
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new IncompleteRetrievalError(`reading page ${pagesRead + 1} from ${target} failed: ${reason}`, pagesRead, { cause: err });
}

async function cancelQuietly(client: VimClient, token: string | null): Promise<void> {
  if (!token) {
    return;
  }
  try {
    await client.cancelRetrievePropertiesEx(token);
  } catch {
    // The retrieval already failed; a token left behind expires with the session.
  }
}
