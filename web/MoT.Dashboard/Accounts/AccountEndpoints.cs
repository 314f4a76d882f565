using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using MoT.Dashboard.Auditing;

namespace MoT.Dashboard.Accounts;

/// <summary>Cookie sign-in and sign-out: plain form posts, so they work before any circuit exists.</summary>
public static class AccountEndpoints
{
    public const string LoginPath = "/login";

    public const string ChangePasswordPath = "/account/change-password", LogoutPath = "/account/logout";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/account");
        group.MapPost("/login", async (HttpContext http, AccountService accounts, SignInThrottle throttle, AuditLog audit, [FromForm] string? userName, [FromForm] string? password, [FromForm] string? returnUrl) =>
        {
            var address = http.Connection.RemoteIpAddress?.ToString();
            var name = userName?.Trim() ?? "";
            if (throttle.LockedFor(userName, address) is { } wait)
            {
                await audit.RecordAsync(name, AuditActions.SignIn, name, "locked");
                return Results.Redirect($"{LoginPath}?error=locked&retryAfter={(int)Math.Ceiling(wait.TotalSeconds)}&returnUrl={Uri.EscapeDataString(SafeReturnUrl(returnUrl))}");
            }

            var account = await accounts.ValidateAsync(userName, password, http.RequestAborted);
            if (account is null)
            {
                throttle.RecordFailure(userName, address);
                await audit.RecordAsync(name, AuditActions.SignIn, name, "wrong user name or password");
                return Results.Redirect($"{LoginPath}?error=1&returnUrl={Uri.EscapeDataString(SafeReturnUrl(returnUrl))}");
            }

            throttle.RecordSuccess(userName, address);
            await SignInAsync(http, account);
            await audit.RecordAsync(account.UserName, AuditActions.SignIn, account.UserName, account.MustChangePassword ? $"{AuditLog.Ok}: must change password" : AuditLog.Ok);
            return account.MustChangePassword ? Results.LocalRedirect(PasswordChangeGate.PagePath) : Results.LocalRedirect(SafeReturnUrl(returnUrl));
        }).RequireRateLimiting(SignInRateLimit.Policy);
        group.MapPost("/change-password", async (HttpContext http, AccountService accounts, AuditLog audit, [FromForm] string? currentPassword, [FromForm] string? newPassword, [FromForm] string? confirmation) =>
        {
            if (http.User.Identity is not { IsAuthenticated: true, Name: { Length: > 0 } name }) return Results.LocalRedirect(LoginPath);
            try
            {
                var account = await accounts.ChangePasswordAsync(name, currentPassword, newPassword, confirmation, http.RequestAborted);
                await SignInAsync(http, account); // a fresh cookie without the must-change claim
                await audit.RecordAsync(name, AuditActions.PasswordChange, name);
                return Results.LocalRedirect("/");
            }
            catch (PasswordChangeException refused)
            {
                await audit.RecordAsync(name, AuditActions.PasswordChange, name, "refused: " + refused.Message);
                return Results.LocalRedirect($"{PasswordChangeGate.PagePath}?error={Uri.EscapeDataString(refused.Message)}");
            }
        }).RequireAuthorization().RequireRateLimiting(SignInRateLimit.Policy); // it checks a password too
        group.MapPost("/logout", async (HttpContext http, IAntiforgery antiforgery) =>
        {
            // No form field is bound here, so nothing checks the token for us: a cross-site post must not sign anyone out.
            if (!await antiforgery.IsRequestValidAsync(http)) return Results.BadRequest();
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect(LoginPath);
        });
        return endpoints;
    }

    private static Task SignInAsync(HttpContext http, Account account)
    {
        List<Claim> claims = [new(ClaimTypes.Name, account.UserName), new(ClaimTypes.Role, account.Role)];
        if (account.MustChangePassword) claims.Add(new Claim(PasswordChangeGate.Claim, "true"));
        var identity = new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme);
        return http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
    }

    /// <summary>Only local paths, so a crafted link cannot send a signed-in user elsewhere.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") && !returnUrl.StartsWith("/\\")
            ? returnUrl
            : "/";
}
