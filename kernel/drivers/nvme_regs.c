// SPDX-License-Identifier: BSD-2-Clause-Patent
/* NVMe controller register decoders and one-line formatters (NVMe Base 2.0, 3.1.3). */
#include "kernel/drivers/nvme_regs.h"

#include "kernel/lib/fmt.h"

static uint32_t bits(uint64_t v, unsigned int hi, unsigned int lo)
{
	return (uint32_t)((v >> lo) & ((1ull << (hi - lo + 1)) - 1));
}

void nvme_decode_cap(uint64_t v, struct nvme_cap *c)
{
	c->mqes = (uint16_t)bits(v, 15, 0);
	c->cqr = bits(v, 16, 16);
	c->ams = (uint8_t)bits(v, 18, 17);
	c->to = (uint8_t)bits(v, 31, 24);
	c->dstrd = (uint8_t)bits(v, 35, 32);
	c->nssrs = bits(v, 36, 36);
	c->css = (uint8_t)bits(v, 44, 37);
	c->bps = bits(v, 45, 45);
	c->cps = (uint8_t)bits(v, 47, 46);
	c->mpsmin = (uint8_t)bits(v, 51, 48);
	c->mpsmax = (uint8_t)bits(v, 55, 52);
	c->pmrs = bits(v, 56, 56);
	c->cmbs = bits(v, 57, 57);
	c->nsss = bits(v, 58, 58);
	c->crms = (uint8_t)bits(v, 60, 59);

	c->max_queue_entries = (uint32_t)c->mqes + 1;
	c->timeout_ms = (uint32_t)c->to * 500;
	c->doorbell_stride = 4u << c->dstrd;
	c->page_min = 4096u << c->mpsmin; /* MPSMIN/MPSMAX <= 15: at most 128 MiB, fits */
	c->page_max = 4096u << c->mpsmax;
}

void nvme_decode_vs(uint32_t v, struct nvme_vs *vs)
{
	vs->mjr = (uint16_t)bits(v, 31, 16);
	vs->mnr = (uint8_t)bits(v, 15, 8);
	vs->ter = (uint8_t)bits(v, 7, 0);
}

void nvme_decode_cc(uint32_t v, struct nvme_cc *cc)
{
	cc->en = bits(v, 0, 0);
	cc->css = (uint8_t)bits(v, 6, 4);
	cc->mps = (uint8_t)bits(v, 10, 7);
	cc->ams = (uint8_t)bits(v, 13, 11);
	cc->shn = (uint8_t)bits(v, 15, 14);
	cc->iosqes = (uint8_t)bits(v, 19, 16);
	cc->iocqes = (uint8_t)bits(v, 23, 20);
	cc->crime = bits(v, 24, 24);
}

void nvme_decode_csts(uint32_t v, struct nvme_csts *s)
{
	s->rdy = bits(v, 0, 0);
	s->cfs = bits(v, 1, 1);
	s->shst = (uint8_t)bits(v, 3, 2);
	s->nssro = bits(v, 4, 4);
	s->pp = bits(v, 5, 5);
	s->st = bits(v, 6, 6);
}

void nvme_decode_aqa(uint32_t v, struct nvme_aqa *a)
{
	a->asqs = (uint16_t)bits(v, 11, 0);
	a->acqs = (uint16_t)bits(v, 27, 16);
}

static char pm(bool b)
{
	return b ? '+' : '-';
}

/* "4K", "64K", "1M", ... for a power-of-two byte count of at least 1 KiB. */
static int fmt_kib(char *buf, size_t len, uint32_t bytes)
{
	if (bytes >= (1u << 20) && !(bytes & ((1u << 20) - 1)))
		return fmt_snprintf(buf, len, "%uM", bytes >> 20);
	return fmt_snprintf(buf, len, "%uK", bytes >> 10);
}

int nvme_format_cap(char *buf, size_t len, uint64_t v)
{
	struct nvme_cap c;
	char css[32] = "", pmin[8], pmax[8];
	size_t n = 0;

	nvme_decode_cap(v, &c);
	if (c.css & NVME_CAP_CSS_NVM)
		n += (size_t)fmt_snprintf(css + n, sizeof(css) - n, "%snvm", n ? "," : "");
	if (c.css & NVME_CAP_CSS_IOCS)
		n += (size_t)fmt_snprintf(css + n, sizeof(css) - n, "%siocs", n ? "," : "");
	if (c.css & NVME_CAP_CSS_NOIOCS)
		n += (size_t)fmt_snprintf(css + n, sizeof(css) - n, "%sadmin", n ? "," : "");
	if (c.css & ~(NVME_CAP_CSS_NVM | NVME_CAP_CSS_IOCS | NVME_CAP_CSS_NOIOCS))
		fmt_snprintf(css + n, sizeof(css) - n, "%s0x%02x", n ? "," : "", c.css);
	else if (!n)
		fmt_snprintf(css, sizeof(css), "-");
	fmt_kib(pmin, sizeof(pmin), c.page_min);
	fmt_kib(pmax, sizeof(pmax), c.page_max);
	return fmt_snprintf(buf, len,
			    "mqes=%u cqr%c ams=%s%s%s to=%ums dstrd=%u nssrs%c css=%s bps%c cps=%u "
			    "mps=%s..%s pmrs%c cmbs%c nsss%c crms=%s%s%s",
			    c.max_queue_entries, pm(c.cqr), c.ams ? "" : "-",
			    c.ams & 1 ? (c.ams & 2 ? "wrr," : "wrr") : "",
			    c.ams & 2 ? "vendor" : "", c.timeout_ms, c.doorbell_stride, pm(c.nssrs),
			    css, pm(c.bps), c.cps, pmin, pmax, pm(c.pmrs), pm(c.cmbs), pm(c.nsss),
			    c.crms ? "" : "-", c.crms & 1 ? (c.crms & 2 ? "crwms," : "crwms") : "",
			    c.crms & 2 ? "crims" : "");
}

int nvme_format_vs(char *buf, size_t len, uint32_t v)
{
	struct nvme_vs vs;

	nvme_decode_vs(v, &vs);
	return fmt_snprintf(buf, len, "%u.%u.%u", vs.mjr, vs.mnr, vs.ter);
}

int nvme_format_cc(char *buf, size_t len, uint32_t v)
{
	static const char *const shn[] = { "none", "normal", "abrupt", "reserved" };
	struct nvme_cc cc;
	const char *css, *ams;
	char mps[8];

	nvme_decode_cc(v, &cc);
	css = cc.css == 0 ? "nvm" : cc.css == 6 ? "all-iocs" : cc.css == 7 ? "admin" : "reserved";
	ams = cc.ams == 0 ? "rr" : cc.ams == 1 ? "wrr" : cc.ams == 7 ? "vendor" : "reserved";
	fmt_kib(mps, sizeof(mps), 4096u << cc.mps);
	return fmt_snprintf(
		buf, len, "en%c css=%s mps=%s ams=%s shn=%s iosqes=%u iocqes=%u crime%c", pm(cc.en),
		css, mps, ams, shn[cc.shn], 1u << cc.iosqes, 1u << cc.iocqes, pm(cc.crime));
}

int nvme_format_csts(char *buf, size_t len, uint32_t v)
{
	static const char *const shst[] = { "normal", "occurring", "complete", "reserved" };
	struct nvme_csts s;

	nvme_decode_csts(v, &s);
	return fmt_snprintf(buf, len, "rdy%c cfs%c shst=%s nssro%c pp%c st%c", pm(s.rdy), pm(s.cfs),
			    shst[s.shst], pm(s.nssro), pm(s.pp), pm(s.st));
}

int nvme_format_aqa(char *buf, size_t len, uint32_t v)
{
	struct nvme_aqa a;

	nvme_decode_aqa(v, &a);
	return fmt_snprintf(buf, len, "asqs=%u acqs=%u", a.asqs + 1u, a.acqs + 1u);
}

static uint32_t le(const uint8_t *p, unsigned int n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Copy an ASCII field, printable bytes only, and drop the padding spaces at its end. */
static void ascii_field(char *dst, const uint8_t *src, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	while (i && dst[i - 1] == ' ')
		i--;
	dst[i] = '\0';
}

void nvme_decode_id_ctrl(const uint8_t *page, struct nvme_id_ctrl *id)
{
	id->vid = (uint16_t)le(page, 2);
	id->ssvid = (uint16_t)le(page + 2, 2);
	ascii_field(id->sn, page + 4, 20);
	ascii_field(id->mn, page + 24, 40);
	ascii_field(id->fr, page + 64, 8);
	id->mdts = page[77];
	id->cntlid = (uint16_t)le(page + 78, 2);
	id->ver = le(page + 80, 4);
	id->nn = le(page + 516, 4);
}
