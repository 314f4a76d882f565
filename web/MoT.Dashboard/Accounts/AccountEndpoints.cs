using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace MoT.Dashboard.Accounts;

/// <summary>Cookie sign-in and sign-out: plain form posts, so they work before any circuit exists.</summary>
public static class AccountEndpoints
{
    public const string LoginPath = "/login";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/account");
        group.MapPost("/login", async (HttpContext http, AccountService accounts, SignInThrottle throttle, [FromForm] string? userName, [FromForm] string? password, [FromForm] string? returnUrl) =>
        {
            var address = http.Connection.RemoteIpAddress?.ToString();
            if (throttle.LockedFor(userName, address) is { } wait)
                return Results.Redirect($"{LoginPath}?error=locked&retryAfter={(int)Math.Ceiling(wait.TotalSeconds)}&returnUrl={Uri.EscapeDataString(SafeReturnUrl(returnUrl))}");
            var account = await accounts.ValidateAsync(userName, password, http.RequestAborted);
            if (account is null)
            {
                throttle.RecordFailure(userName, address);
                return Results.Redirect($"{LoginPath}?error=1&returnUrl={Uri.EscapeDataString(SafeReturnUrl(returnUrl))}");
            }

            throttle.RecordSuccess(userName, address);

            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, account.UserName), new Claim(ClaimTypes.Role, account.Role)],
                CookieAuthenticationDefaults.AuthenticationScheme);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            return Results.LocalRedirect(SafeReturnUrl(returnUrl));
        });
        group.MapPost("/logout", async (HttpContext http, IAntiforgery antiforgery) =>
        {
            // No form field is bound here, so nothing checks the token for us: a cross-site post must not sign anyone out.
            if (!await antiforgery.IsRequestValidAsync(http)) return Results.BadRequest();
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect(LoginPath);
        });
        return endpoints;
    }

    /// <summary>Only local paths, so a crafted link cannot send a signed-in user elsewhere.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") && !returnUrl.StartsWith("/\\")
            ? returnUrl
            : "/";
}
