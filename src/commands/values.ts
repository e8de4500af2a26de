import { z } from "zod";
import { ClusterName } from "../store/schema.js";

export const clusterName = ClusterName;

export const containerName = z
  .string()
  .max(128, "is longer than 128 characters")
  .regex(/^\/?[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be a container name or ID (letters, digits, _ . -)");

export const aliasName = z
  .string()
  .max(63, "is longer than 63 characters")
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    "must be letters, digits, _ . or - (starting with a letter or digit)",
  );

export const imageName = z
  .string()
  .max(255, "is longer than 255 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, "must be an image reference such as hello-web:latest");

export const portNumber = z
  .string()
  .regex(/^\d{1,5}$/, "must be a port number 1-65535")
  .transform(Number)
  .pipe(z.number().int().min(1, "must be a port number 1-65535").max(65535, "must be a port number 1-65535"));

export const linkIdOrContainer = z
  .string()
  .max(128, "is longer than 128 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be a link ID or a container name");
