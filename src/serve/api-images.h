/* api-images: what the image endpoints (api-images.c, api-image-io.c)
 * share with each other and with /system/df. */
#ifndef GLASS_SERVE_API_IMAGES_H
#define GLASS_SERVE_API_IMAGES_H

#include "api.h"
#include "img.h"

/* engine_store_open(), answering 500 itself on failure. */
int api_store_open(struct api_req *r, bool exclusive, struct glass_store **s, enum MHD_Result *ret);
/* A local image by name or ID (the built-in one imported on first use);
 * 404 "No such image: REF" queued when there is none. */
int api_image_find(struct api_req *r, struct glass_store *s, const char *ref,
                   struct glass_image **img, enum MHD_Result *ret);
/* Docker's ImageSummary of a row; Containers counted when asked, else -1. */
struct json_object *api_image_summary(const struct engine_image_row *row, bool count_users);

/* api-image-io.c */
enum MHD_Result api_image_create(struct api_req *r);                    /* pull */
enum MHD_Result api_image_save(struct api_req *r);                      /* GET /images/get */
enum MHD_Result api_image_save_one(struct api_req *r, const char *ref); /* /images/X/get */
enum MHD_Result api_image_load(struct api_req *r);

#endif
