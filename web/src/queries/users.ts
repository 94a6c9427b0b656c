/** Users (administrators): key factory and the calls the pages make. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { components } from "@/api/schema";
import type { User } from "@/api/types";

type Schemas = components["schemas"];
export type Role = Schemas["Role"];
export type Grant = Schemas["Grant"];
export type CreateUserBody = Schemas["CreateUser"];
export type UpdateUserBody = Schemas["UpdateUser"];

export const ROLES: readonly Role[] = ["viewer", "editor", "admin"];

export interface UserListParams {
  page: number;
  per_page: number;
  role?: Role;
  status?: "active" | "inactive";
  q?: string;
  sort?: string;
}

export const userKeys = {
  all: ["users"] as const,
  lists: () => [...userKeys.all, "list"] as const,
  list: (params: UserListParams) => [...userKeys.lists(), params] as const,
  detail: (id: string) => [...userKeys.all, "detail", id] as const,
  grants: (id: string) => [...userKeys.all, "grants", id] as const,
};

export function useUsers(params: UserListParams, enabled = true) {
  return useQuery({
    queryKey: userKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/users", { params: { query: params }, signal })),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useUserRecord(id: string) {
  return useQuery({
    queryKey: userKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/users/{id}", { params: { path: { id } }, signal })),
  });
}

function useUserSaved() {
  const client = useQueryClient();
  return (user?: User) => {
    if (user) client.setQueryData(userKeys.detail(user.id), user);
    void client.invalidateQueries({ queryKey: userKeys.lists() });
  };
}

export function useCreateUser() {
  const done = useUserSaved();
  return useMutation({
    mutationFn: (body: CreateUserBody) => unwrap(api.POST("/api/v1/users", { body })),
    onSuccess: (user) => done(user),
  });
}

export function useUpdateUser(id: string) {
  const done = useUserSaved();
  return useMutation({
    mutationFn: (body: UpdateUserBody) => unwrap(api.PATCH("/api/v1/users/{id}", { params: { path: { id } }, body })),
    onSuccess: (user) => done(user),
  });
}

export function useResetUserPassword(id: string) {
  return useMutation({
    mutationFn: (method: "email" | "temporary_password" | null) =>
      unwrap(api.POST("/api/v1/users/{id}/reset-password", { params: { path: { id } }, body: method ? { method } : {} })),
  });
}

export function useDeleteUser(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (confirm_password: string) =>
      unwrap(api.DELETE("/api/v1/users/{id}", { params: { path: { id } }, body: { confirm_password } })),
    onSuccess: () => {
      client.removeQueries({ queryKey: userKeys.detail(id) });
      void client.invalidateQueries({ queryKey: userKeys.lists() });
    },
  });
}

export function useGrants(id: string) {
  return useQuery({
    queryKey: userKeys.grants(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/users/{id}/grants", { params: { path: { id } }, signal })),
  });
}

export function useSaveGrants(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (grants: Grant[]) => unwrap(api.PUT("/api/v1/users/{id}/grants", { params: { path: { id } }, body: grants })),
    onSuccess: (saved) => client.setQueryData(userKeys.grants(id), saved),
  });
}
