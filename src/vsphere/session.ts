// A logged-in connection to one vCenter. A session that expires between or
// during polls shows up as a NotAuthenticated fault. `run` then logs in
// again once and repeats the work, and a second failure is final.
import { VimClient } from './client.js';
import { isFault } from './soap-fault.js';
import { SoapTransport, type TransportOptions } from './transport.js';
import type { ServiceContent } from './types.js';

export interface Credentials {
  username: string;
  /** The password stays wrapped until the Login call needs it. */
  password: { reveal(): string };
}

export class VcenterSession {
  readonly client: VimClient;
  private loggedIn = false;

  constructor(
    transportOptions: TransportOptions,
    private readonly credentials: Credentials,
  ) {
    this.client = new VimClient(new SoapTransport(transportOptions));
  }

  get serviceContent(): ServiceContent {
    return this.client.serviceContent;
  }

  get roundTrips(): number {
    return this.client.transport.roundTrips;
  }

  /** Whether a login succeeded and no failure has been seen since. */
  get isOpen(): boolean {
    return this.loggedIn;
  }

  async open(): Promise<void> {
    await this.client.retrieveServiceContent();
    await this.login();
  }

  /**
   * Runs `work` with a live session, logging in again once if the session
   * turns out to be gone: a NotAuthenticated fault, or an error for which
   * `looksExpired` returns true.
   */
  async run<T>(work: (client: VimClient) => Promise<T>, looksExpired: (err: unknown) => boolean = () => false): Promise<T> {
    if (!this.loggedIn) {
      await this.open();
    }
    try {
      return await work(this.client);
    } catch (err) {
      if (!isFault(err, 'NotAuthenticated') && !looksExpired(err)) {
        throw err;
      }
      this.loggedIn = false;
      this.client.transport.clearSession();
      await this.login();
      return work(this.client);
    }
  }

  /** Logs out if logged in and closes idle connections. Errors from Logout are ignored. */
  async close(): Promise<void> {
    try {
      if (this.loggedIn) {
        await this.client.logout();
      }
    } catch {
      // Logging out is a courtesy to vCenter's session count; the session expires anyway.
    } finally {
      this.loggedIn = false;
      this.client.transport.close();
    }
  }

  private async login(): Promise<void> {
    await this.client.login(this.credentials.username, this.credentials.password.reveal());
    this.loggedIn = true;
  }
}
