FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install --no-cache-dir . && useradd --create-home probation
USER probation
EXPOSE 8000
CMD ["gunicorn", "probation.wsgi:application", "--bind", "0.0.0.0:8000"]
