import { ApiError } from "../../errors.js";
import type { HttpReply, Handler, Req } from "../exchange.js";
import { buyerOf } from "./buyer-of.js";
import { ipLimited } from "./ip-limited.js";
import type { BuyerAuth } from "../../admission/auth.js";
import { jsonObject, NO_FIELDS } from "../../admission/body.js";
import type { Breakers } from "../../admission/breakers.js";
import { saleIdParam } from "../../admission/ids.js";
import type { RateLimits } from "../../admission/rate-limits.js";
import { roomOpensAt, type Sale } from "../../reservation/sale.js";
import type { SaleStore } from "../../reservation/sale-store.js";
import type { QueueView, RoomService } from "../../waiting-room/room-service.js";
import type { ProofCheck } from "../../waiting-room/seams.js";
import type { QueueTickets } from "../../waiting-room/tickets.js";

export interface QueueRoutesDeps {
  auth: BuyerAuth;
  sales: SaleStore;
  rooms: RoomService;
  tickets: QueueTickets;
  proof: ProofCheck;
  limits: RateLimits;
  breakers: Breakers;
  /** A proof-of-work challenge for this buyer and sale (proof-of-work-room.ts). */
  challenge: (sale: Sale, buyer: string) => Promise<unknown>;
}

/** The only field of a join's body. */
export const JOIN_FIELDS: ReadonlySet<string> = new Set(["proof"]);

/** A poll's or join's answer: the view without its pacing, which goes into Retry-After. */
function viewReply(status: number, v: QueueView): HttpReply {
  const { retryAfter, ...body } = v;
  return { status, body, headers: { "retry-after": String(retryAfter) } };
}

/** The waiting room's endpoints (docs/waiting-room.md); refusals change nothing. */
export class QueueRoutes {
  readonly join: Handler;
  readonly poll: Handler;
  readonly challenge: Handler;
  readonly draw: Handler;

  constructor(private readonly deps: QueueRoutesDeps) {
    this.join = ipLimited(deps.limits, (req) => this.joinAs(req));
    this.poll = ipLimited(deps.limits, (req) => this.pollAs(req));
    this.challenge = ipLimited(deps.limits, (req) => this.challengeAs(req));
    this.draw = ipLimited(deps.limits, (req) => this.drawOf(req));
  }

  /**
   * A poll this process answers from its own copies (the sale and the room's progress): no dependency, so
   * it is never shed (RouteSpec.cheap). Its answer costs about what a 503 would, and paces the buyer by the
   * room's Retry-After (up to 30 s) where a 503 would bring it back in one.
   */
  readonly pollAnsweredHere = (saleId: string): boolean =>
    !!this.deps.sales.cached(saleId)?.waitingRoom && this.deps.rooms.hasCopy(saleId);

  /** The sale and its room: 404 when either is missing. */
  private async roomSale(saleId: string): Promise<Sale> {
    const cached = this.deps.sales.cached(saleId);
    const sale =
      cached !== undefined
        ? cached
        : await this.deps.breakers.redis.forSale(saleId).run(() => this.deps.sales.get(saleId));
    if (!sale) throw new ApiError("SALE_NOT_FOUND", "no sale with this id");
    if (!sale.waitingRoom)
      throw new ApiError(
        "NO_WAITING_ROOM",
        "this sale has no waiting room: take a token from POST /v1/sales/{saleId}/tokens",
      );
    return sale;
  }

  private async joinAs(req: Req): Promise<HttpReply> {
    const buyer = await buyerOf(this.deps.auth, req);
    this.deps.limits.buyer(buyer);
    const saleId = saleIdParam(req.params[0]!);
    const body = jsonObject(req.body, req.contentType, JOIN_FIELDS);
    if (body.proof !== undefined && typeof body.proof !== "string")
      throw new ApiError("INVALID_REQUEST", "proof must be a string (the solved challenge)");
    const sale = await this.roomSale(saleId);
    const now = Date.now();
    if (now < roomOpensAt(sale))
      throw new ApiError("ROOM_NOT_OPEN", `the waiting room opens at ${new Date(roomOpensAt(sale)).toISOString()}`);
    if (now >= sale.endsAt) throw new ApiError("SALE_NOT_LIVE", "the sale has ended");
    // Sold out for good (this process's copy of the progress says so): answered without Redis.
    if (this.deps.rooms.soldOut(sale.saleId, now)) throw new ApiError("SOLD_OUT", "the sale is sold out");
    // The proof is checked here (no I/O) and its verdict handed to the join script, the join's one Redis call:
    // it counts the attempt against the limits (per address and per buyer, cluster-wide) before it looks at
    // the verdict, answers a buyer already in with its record (a re-join needs no proof), and lets anyone else
    // in only with a good proof.
    const proofOk = await this.deps.proof.verify(body.proof, sale.saleId, buyer);
    const limits = this.deps.limits.queueJoin(req);
    const redis = this.deps.breakers.redis.forSale(sale.saleId);
    const r = await redis.run(() => this.deps.rooms.join(sale, buyer, proofOk, limits));
    if (r.kind === "in") return this.answer(r.created ? 201 : 200, sale, buyer, r.ticket);
    if (r.kind === "limited")
      throw this.deps.limits.queueJoinRefused(
        r.limiter === "ip" ? "queue_join_ip" : "queue_join_buyer",
        r.msBeforeNext,
      );
    throw new ApiError("INVALID_PROOF", "proof of work missing or wrong: solve GET .../queue/challenge");
  }

  private async answer(status: number, sale: Sale, buyer: string, ticket: string): Promise<HttpReply> {
    const t = this.deps.tickets.verify(ticket, sale.saleId, buyer, Date.now());
    if (!t.ok) throw new Error(`a ticket just signed does not verify: ${t.reason}`);
    return viewReply(status, await this.deps.rooms.poll(sale, t.ticket, ticket));
  }

  /** Synchronous when the buyer's JWT and the sale are cached here and the ticket is placed (the steady state). */
  private pollAs(req: Req): HttpReply | Promise<HttpReply> {
    const buyer = buyerOf(this.deps.auth, req);
    const saleId = saleIdParam(req.params[0]!);
    const cached = this.deps.sales.cached(saleId);
    if (typeof buyer !== "string" || !cached?.waitingRoom) return this.pollSlow(req, saleId);
    return this.pollAnswer(req, cached, buyer);
  }

  private async pollSlow(req: Req, saleId: string): Promise<HttpReply> {
    const buyer = await buyerOf(this.deps.auth, req);
    return this.pollAnswer(req, await this.roomSale(saleId), buyer);
  }

  private pollAnswer(req: Req, sale: Sale, buyer: string): HttpReply | Promise<HttpReply> {
    const ticket = req.queueTicket ?? "";
    const t = this.deps.tickets.verify(ticket, sale.saleId, buyer, Date.now());
    if (!t.ok) throw new ApiError("INVALID_TICKET", t.reason);
    const view = this.deps.rooms.poll(sale, t.ticket, ticket);
    return view instanceof Promise ? view.then((v) => viewReply(200, v)) : viewReply(200, view);
  }

  private async challengeAs(req: Req): Promise<HttpReply> {
    const buyer = await buyerOf(this.deps.auth, req);
    const sale = await this.roomSale(saleIdParam(req.params[0]!));
    jsonObject(req.body, req.contentType, NO_FIELDS);
    return { status: 200, body: await this.deps.challenge(sale, buyer) };
  }

  private async drawOf(req: Req): Promise<HttpReply> {
    const sale = await this.roomSale(saleIdParam(req.params[0]!));
    if (Date.now() < sale.startsAt)
      throw new ApiError("ROOM_NOT_OPEN", "the draw is published once the sale has started");
    const draw = await this.deps.breakers.redis.forSale(sale.saleId).run(() => this.deps.rooms.draw(sale));
    if (!draw) throw new ApiError("ROOM_NOT_OPEN", "the draw is published once the sale has started");
    return { status: 200, body: { saleId: sale.saleId, ...draw } };
  }
}
