// SPDX-License-Identifier: MIT
/*
 * The verbs and rdma_cm set-up both ends share; see verbs.h for what it
 * owns and the order of making and unmaking.  No thread, no lock, no log.
 */
#include "verbs.h"

#ifdef RC_HAVE_RDMA

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "../common/cleanup.h"

static void nonblocking(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int rc_verbs_open(struct rc_verbs *v, struct rdma_cm_id *id, unsigned cq_depth)
{
	if (!(v->pd = ibv_alloc_pd(id->verbs)) ||
	    !(v->ch = ibv_create_comp_channel(id->verbs)) ||
	    !(v->cq = ibv_create_cq(id->verbs, (int)cq_depth, NULL, v->ch, 0)))
		return errno ? -errno : -ENOMEM;
	nonblocking(v->ch->fd);
	ibv_req_notify_cq(v->cq, 0);
	return 0;
}

int rc_verbs_create_qp(struct rc_verbs *v, struct rdma_cm_id *id,
		       const struct rc_verbs_caps *caps)
{
	struct ibv_qp_init_attr qa = { 0 };

	qa.send_cq = qa.recv_cq = v->cq;
	qa.qp_type = IBV_QPT_RC;
	qa.cap.max_send_wr = caps->send_wr;
	qa.cap.max_recv_wr = caps->recv_wr;
	qa.cap.max_send_sge = caps->send_sge;
	qa.cap.max_recv_sge = 1;
	qa.cap.max_inline_data = caps->inline_data;
	if (rdma_create_qp(id, v->pd, &qa))
		return errno ? -errno : -EIO;
	v->qp = true;
	return 0;
}

void rc_verbs_destroy_qp(struct rc_verbs *v, struct rdma_cm_id *id)
{
	if (v->qp)
		rdma_destroy_qp(id);
	v->qp = false;
}

void rc_verbs_close(struct rc_verbs *v)
{
	if (v->cq)
		ibv_destroy_cq(v->cq);
	if (v->ch)
		ibv_destroy_comp_channel(v->ch);
	if (v->pd)
		ibv_dealloc_pd(v->pd);
	*v = (struct rc_verbs){ 0 };
}

void rc_verbs_rearm(struct rc_verbs *v)
{
	struct ibv_cq *cq;
	void *ctx;

	while (!ibv_get_cq_event(v->ch, &cq, &ctx)) {
		ibv_ack_cq_events(cq, 1);
		ibv_req_notify_cq(cq, 0);
	}
}

unsigned rc_verbs_max_sge(struct rdma_cm_id *id, unsigned limit)
{
	struct ibv_device_attr da;

	if (!ibv_query_device(id->verbs, &da) && da.max_sge > 1)
		return (unsigned)RC_MIN((unsigned)da.max_sge, limit);
	return 1;
}

int rc_rdma_cm_open(struct rdma_event_channel **ret, char *err, size_t errlen)
{
	struct rdma_event_channel *ech = rdma_create_event_channel();

	if (!ech) {
		int r = errno ? -errno : -ENODEV;

		snprintf(err, errlen, "cannot open the RDMA connection manager "
			 "(/dev/infiniband/rdma_cm): %s", strerror(-r));
		return r;
	}
	nonblocking(ech->fd);
	*ret = ech;
	return 0;
}

size_t rc_rdma_cm_private(const struct rdma_cm_event *ev, void *buf, size_t len)
{
	if (!ev->param.conn.private_data)
		return 0;
	len = RC_MIN(len, (size_t)ev->param.conn.private_data_len);
	memcpy(buf, ev->param.conn.private_data, len);
	return len;
}

int rc_rdma_resolve(const char *host, const char *port, bool passive,
		    struct sockaddr_storage *ret, const char **ret_why)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0) };
	struct addrinfo *ai = NULL;
	int r;

	r = getaddrinfo(host, port, &hints, &ai);
	if (r || !ai) {
		*ret_why = r ? gai_strerror(r) : "no address";
		if (ai)
			freeaddrinfo(ai);
		return -EINVAL;
	}
	memcpy(ret, ai->ai_addr, RC_MIN((size_t)ai->ai_addrlen, sizeof(*ret)));
	freeaddrinfo(ai);
	return 0;
}

#endif /* RC_HAVE_RDMA */
